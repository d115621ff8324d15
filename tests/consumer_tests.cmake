# The installed package from outside, included by tests/CMakeLists.txt (tests/consumer_check.cmake
# does the work): consumer_install installs the build into a temporary prefix (a fixture), then
#   consumer_cxx_cmake  a C++ CMake project: find_package(qkernels), the README's examples;
#   consumer_c_cmake    a C-only CMake project (project(... C)): the C examples, the version;
#   consumer_pkgconfig  `cc run_model.c $(pkg-config --static --cflags --libs qkernels-runtime)`;
# each model program runs every shared model case and must write TFLite's golden bytes.
# Native builds only: the consumers are compiled and run on this machine, and a cross build has
# no arm64 pkg-config files for cpuinfo (the aarch64 stage runs the runtime through model_test,
# model_api_test and qk-run instead).
if(CMAKE_CROSSCOMPILING)
  return()
endif()
set(qk_consumer_args -DBUILD_DIR=${PROJECT_BINARY_DIR} -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
    -DWORK_DIR=${PROJECT_BINARY_DIR}/consumer-check -DMODELS=${QK_SHARED_DIR}/models
    -DVERSION=${PROJECT_VERSION} -DCC=${CMAKE_C_COMPILER} -DCXX=${CMAKE_CXX_COMPILER})
foreach(mode install cxx_cmake c_cmake pkgconfig)
  add_test(NAME consumer_${mode} COMMAND ${CMAKE_COMMAND} -DMODE=${mode} ${qk_consumer_args}
           -P ${CMAKE_CURRENT_SOURCE_DIR}/consumer_check.cmake)
  if(mode STREQUAL "install")
    set_tests_properties(consumer_install PROPERTIES FIXTURES_SETUP qk_installed_package)
  else()
    set_tests_properties(consumer_${mode} PROPERTIES FIXTURES_REQUIRED qk_installed_package
                         SKIP_REGULAR_EXPRESSION "SKIPPED:")
  endif()
endforeach()
