# install() + an exported package so that an outside project can find_package(qkernels).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS qkernels EXPORT qkernelsTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/qkernels DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
set(QK_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/qkernels)
install(EXPORT qkernelsTargets NAMESPACE qkernels:: DESTINATION ${QK_CMAKE_DIR})
configure_package_config_file(cmake/qkernelsConfig.cmake.in
  ${PROJECT_BINARY_DIR}/qkernelsConfig.cmake INSTALL_DESTINATION ${QK_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/qkernelsConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/qkernelsConfig.cmake
  ${PROJECT_BINARY_DIR}/qkernelsConfigVersion.cmake cmake/QkFindCpuinfo.cmake
  DESTINATION ${QK_CMAKE_DIR})
if(QK_BUILD_TOOLS AND TARGET qk-conformance)
  install(TARGETS qk-conformance RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
