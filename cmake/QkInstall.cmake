# install(): the two static libraries (qkernels, qkernels_runtime), the public headers, the tools,
# an exported CMake package (find_package(qkernels) -> qkernels::qkernels, qkernels::runtime, with
# a version file) and the pkg-config files qkernels.pc and qkernels-runtime.pc. Both the CMake
# targets and the .pc files carry what a C program needs to link these C++ libraries (the C++
# runtime, libm, cpuinfo, pthreadpool).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS qkernels qk_runtime EXPORT qkernelsTargets
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
  cmake/QkFindPthreadpool.cmake
  DESTINATION ${QK_CMAKE_DIR})

# pkg-config: relocatable (prefix found from the .pc file's own directory), so that
# `cmake --install build --prefix ANYWHERE` gives working files.
set(qk_pc_dir ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  message(FATAL_ERROR "qkernels: the pkg-config files need a relative CMAKE_INSTALL_LIBDIR")
endif()
file(RELATIVE_PATH QK_PC_PREFIX_FROM_PCDIR "/root/${qk_pc_dir}" "/root")
string(REGEX REPLACE "/$" "" QK_PC_PREFIX_FROM_PCDIR "${QK_PC_PREFIX_FROM_PCDIR}")
list(TRANSFORM QK_CXX_RUNTIME_LIBS PREPEND "-l" OUTPUT_VARIABLE qk_pc_libs)
list(JOIN qk_pc_libs " " QK_PC_CXX_RUNTIME)
foreach(qk_pc qkernels qkernels-runtime)
  configure_file(cmake/${qk_pc}.pc.in ${PROJECT_BINARY_DIR}/pkgconfig/${qk_pc}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/pkgconfig/${qk_pc}.pc DESTINATION ${qk_pc_dir})
endforeach()
