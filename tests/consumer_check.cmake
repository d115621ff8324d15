# ctest: the installed package as an outside project sees it. MODE=
#   install    cmake --install BUILD_DIR into WORK_DIR/prefix (the fixture the others need)
#   cxx_cmake  tests/consumer (C++ project, find_package): conv_int8, requantize_c, run_model_cpp
#   c_cmake    tests/consumer_c (project(... C), find_package): requantize_c, run_model, version
#   pkgconfig  `cc ... $(pkg-config --static --cflags --libs qkernels-runtime)` of run_model.c, and
#              of requantize.c with qkernels.pc, with -std=c99 -pedantic -Werror
# Every model program then runs each case of ../shared/models (one input) and its output must be
# the golden output0.bin byte for byte; keyword_scrambled (SVDF) must be refused with a message.
# Variables: MODE BUILD_DIR SOURCE_DIR WORK_DIR MODELS VERSION CC CXX.
set(prefix ${WORK_DIR}/prefix)

function(run)  # run(<what> COMMAND...): fails the test on a non-zero exit
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}${err}")
  endif()
  set(run_output "${out}" PARENT_SCOPE)
endfunction()

function(build_cmake_project source build)
  file(REMOVE_RECURSE ${build})
  run(${CMAKE_COMMAND} -S ${source} -B ${build} -DCMAKE_PREFIX_PATH=${prefix}
      -DCMAKE_C_COMPILER=${CC} -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_BUILD_TYPE=Release
      -DEXAMPLES_DIR=${SOURCE_DIR}/examples -DEXPECT_VERSION=${VERSION})
  run(${CMAKE_COMMAND} --build ${build})
endfunction()

# Runs `program` (a list: command and fixed arguments) on every shared model case. STYLE is
# "stdio" (model path argument, input on stdin, output on stdout: examples/run_model.c) or
# "files" (model and input paths as arguments, writes OUT0.bin: examples/run_model.cpp).
function(run_models style workdir)
  set(program ${ARGN})
  if(NOT EXISTS ${MODELS})
    if("$ENV{QK_REQUIRE_SHARED}" STREQUAL "1")
      message(FATAL_ERROR "QK_REQUIRE_SHARED=1 but ${MODELS} is absent")
    endif()
    message("SKIPPED: ${MODELS} not found: the consumer built, its model runs did not run")
    return()
  endif()
  file(GLOB model_files ${MODELS}/*/*.tflite)
  set(count 0)
  foreach(model ${model_files})
    get_filename_component(dir ${model} DIRECTORY)
    get_filename_component(name ${dir} NAME)
    file(GLOB goldens ${dir}/*/output0.bin)
    foreach(golden ${goldens})
      get_filename_component(case_dir ${golden} DIRECTORY)
      file(REMOVE ${workdir}/OUT0.bin)
      if(style STREQUAL "stdio")
        execute_process(COMMAND ${program} ${model} INPUT_FILE ${case_dir}/input0.bin
                        OUTPUT_FILE ${workdir}/OUT0.bin ERROR_VARIABLE err RESULT_VARIABLE rc)
      else()
        execute_process(COMMAND ${program} ${model} ${case_dir}/input0.bin
                        WORKING_DIRECTORY ${workdir} OUTPUT_QUIET ERROR_VARIABLE err
                        RESULT_VARIABLE rc)
      endif()
      if(name STREQUAL "keyword_scrambled")  # SVDF: not supported, must say so
        if(rc EQUAL 0 OR NOT err MATCHES "unsupported operator")
          message(FATAL_ERROR "${model}: expected an 'unsupported operator' error, got ${rc}: ${err}")
        endif()
        continue()
      endif()
      if(NOT rc EQUAL 0)
        message(FATAL_ERROR "${program} ${model} < ${case_dir}/input0.bin failed (${rc}): ${err}")
      endif()
      execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${golden} ${workdir}/OUT0.bin
                      RESULT_VARIABLE differ)
      if(NOT differ EQUAL 0)
        message(FATAL_ERROR "${case_dir}: output differs from the golden output0.bin")
      endif()
      math(EXPR count "${count} + 1")
    endforeach()
  endforeach()
  if(count EQUAL 0)
    message(FATAL_ERROR "no model case ran from ${MODELS}")
  endif()
  message(STATUS "${count} model cases: outputs identical to TFLite's goldens")
endfunction()

if(MODE STREQUAL "install")
  file(REMOVE_RECURSE ${WORK_DIR})
  run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
  foreach(f include/qkernels/model.h include/qkernels/version.h lib/libqkernels.a
          lib/libqkernels_runtime.a lib/pkgconfig/qkernels.pc lib/pkgconfig/qkernels-runtime.pc
          lib/cmake/qkernels/qkernelsConfigVersion.cmake)
    if(NOT EXISTS ${prefix}/${f})
      message(FATAL_ERROR "not installed: ${f}")
    endif()
  endforeach()
  file(GLOB internal ${prefix}/include/runtime ${prefix}/include/qkernels/*interpreter*)
  if(internal)
    message(FATAL_ERROR "internal runtime headers installed: ${internal}")
  endif()
elseif(MODE STREQUAL "cxx_cmake")
  build_cmake_project(${SOURCE_DIR}/tests/consumer ${WORK_DIR}/cxx)
  run(${WORK_DIR}/cxx/conv_int8)
  run(${WORK_DIR}/cxx/requantize_c)
  run_models(files ${WORK_DIR}/cxx ${WORK_DIR}/cxx/run_model_cpp)
elseif(MODE STREQUAL "c_cmake")
  build_cmake_project(${SOURCE_DIR}/tests/consumer_c ${WORK_DIR}/c)
  run(${WORK_DIR}/c/version_check)
  if(NOT run_output STREQUAL "qkernels ${VERSION}\n")
    message(FATAL_ERROR "version_check printed '${run_output}', the build is ${VERSION}")
  endif()
  run(${WORK_DIR}/c/requantize_c)
  run_models(stdio ${WORK_DIR}/c ${WORK_DIR}/c/run_model)
elseif(MODE STREQUAL "pkgconfig")
  set(ENV{PKG_CONFIG_PATH} ${prefix}/lib/pkgconfig)
  run(pkg-config --modversion qkernels-runtime)
  if(NOT run_output STREQUAL "${VERSION}\n")
    message(FATAL_ERROR "pkg-config --modversion qkernels-runtime: '${run_output}', not ${VERSION}")
  endif()
  set(dir ${WORK_DIR}/pc)
  file(REMOVE_RECURSE ${dir})
  file(MAKE_DIRECTORY ${dir})
  set(flags "-std=c99 -Wall -Wextra -pedantic -Werror")
  foreach(pair "run_model.c;qkernels-runtime;run_model" "requantize.c;qkernels;requantize_c")
    list(GET pair 0 source)
    list(GET pair 1 package)
    list(GET pair 2 exe)
    set(line "${CC} ${flags} ${SOURCE_DIR}/examples/${source} "
             "$(pkg-config --static --cflags --libs ${package}) -o ${dir}/${exe}")
    string(JOIN "" line ${line})
    message(STATUS "${line}")
    run(sh -c "${line}")
  endforeach()
  run(${dir}/requantize_c)
  run_models(stdio ${dir} ${dir}/run_model)
else()
  message(FATAL_ERROR "unknown MODE '${MODE}'")
endif()
