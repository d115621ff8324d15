# The tools' command lines, included by tests/CMakeLists.txt: exit codes and messages of
# qk-run, qk-conformance and qk-bench (--help, unknown or unavailable ISAs in --isa and QK_ISA),
# and what qk-run prints and writes for the shared models (tests/tool_check.cmake runs each one;
# under an emulator in a cross build).
set(qk_models ${QK_SHARED_DIR}/models)
string(JOIN "|" qk_emulator ${CMAKE_CROSSCOMPILING_EMULATOR})
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64|ARM64)$")
  set(qk_tool_foreign_isa avx2)
else()
  set(qk_tool_foreign_isa neon)
endif()
set(qk_isa_names "scalar, avx2, avx512vnni, neon, neondot, i8mm, auto")

# qk_tool_test(<name> <tool target> <exit status> <regex> [SHARED] [ENV var=value...] ARGS ...)
# SHARED: the test reads ../shared/models (skipped, or failed with QK_REQUIRE_SHARED=1, without).
function(qk_tool_test name tool rc regex)
  cmake_parse_arguments(T "SHARED" "" "ENV;ARGS" ${ARGN})
  string(REPLACE ";" "|" args "${T_ARGS}")
  set(command ${CMAKE_COMMAND} -DTOOL=$<TARGET_FILE:${tool}> "-DEMULATOR=${qk_emulator}"
      "-DARGS=${args}" -DEXPECT_RC=${rc} "-DEXPECT_REGEX=${regex}")
  if(T_SHARED)
    list(APPEND command -DNEEDS_SHARED=${qk_models})
  endif()
  add_test(NAME ${name} COMMAND ${command} -P ${CMAKE_CURRENT_SOURCE_DIR}/tool_check.cmake)
  set_tests_properties(${name} PROPERTIES SKIP_REGULAR_EXPRESSION "SKIPPED:")
  if(T_ENV)
    set_tests_properties(${name} PROPERTIES ENVIRONMENT "${T_ENV}")
  endif()
endfunction()

# Every tool: --help is usage on stdout and exit 0; QK_ISA naming an unknown ISA, or one this
# build or CPU lacks, is refused up front (exit 2) with the valid / runnable names. The arguments
# after it would otherwise succeed (or fail differently), so the message is what proves the check.
set(qk_env_args_qk-run ${CMAKE_CURRENT_SOURCE_DIR}/CMakeLists.txt)
set(qk_env_args_qk-conformance --list-isas)
set(qk_env_args_qk-bench --benchmark_list_tests=true)
foreach(tool qk-run qk-conformance qk-bench)
  if(NOT TARGET ${tool})
    continue()
  endif()
  string(REPLACE "-" "_" test ${tool})
  qk_tool_test(${test}_help ${tool} 0 "^usage: ${tool}" ARGS --help)
  qk_tool_test(${test}_env_unknown_isa ${tool} 2
               "${tool}: QK_ISA: unknown ISA 'bogus' \\(valid: ${qk_isa_names}\\)"
               ENV QK_ISA=bogus ARGS ${qk_env_args_${tool}})
  qk_tool_test(${test}_env_unavailable_isa ${tool} 2
               "QK_ISA: '${qk_tool_foreign_isa}' is not compiled into this build \\(this machine runs: [a-z0-9, ]*scalar\\)"
               ENV QK_ISA=${qk_tool_foreign_isa} ARGS ${qk_env_args_${tool}})
endforeach()
# (qk-conformance's own --isa errors are checked in tests/malformed/CMakeLists.txt.)

# tests/repo/: bench/report on a synthetic qk-bench JSON (shapes in the labels, "% of peak" never
# above 100%; python3 with matplotlib, as bench/report needs), and the repository's text (no
# issue numbers, the README's dependency list = scripts/setup-deps.sh, its C program =
# examples/run_model.c).
find_package(Python3 COMPONENTS Interpreter)
if(Python3_FOUND)
  add_test(NAME bench_report_labels_and_peak
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/repo/check_bench_report.py
                   ${PROJECT_SOURCE_DIR}/bench/report ${CMAKE_CURRENT_BINARY_DIR}/bench-report-check)
  add_test(NAME repo_text_check
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/repo/check_text.py
                   ${PROJECT_SOURCE_DIR})
endif()

if(NOT TARGET qk-run)
  return()
endif()

# qk-run: usage and argument errors.
qk_tool_test(qk_run_usage qk-run 2 "no MODEL.tflite given.*usage: qk-run")
qk_tool_test(qk_run_not_a_model qk-run 2 "not a TFLite model"
             ARGS ${CMAKE_CURRENT_SOURCE_DIR}/CMakeLists.txt)
qk_tool_test(qk_run_unknown_isa qk-run 2 "unknown ISA 'pentium' \\(valid: ${qk_isa_names}\\)"
             ARGS model.tflite --isa pentium)
qk_tool_test(qk_run_unavailable_isa qk-run 2
             "ISA '${qk_tool_foreign_isa}' is not compiled into this build"
             ARGS model.tflite --isa ${qk_tool_foreign_isa})
qk_tool_test(qk_run_unsupported_op qk-run 2 "operator 1 \\(SVDF\\): unsupported operator" SHARED
             ARGS ${qk_models}/keyword_scrambled/keyword_scrambled.tflite)
qk_tool_test(qk_run_wrong_input_size qk-run 2 "needs 1960" SHARED
             ARGS ${qk_models}/micro_speech/micro_speech_quantized.tflite
                  --input ${qk_models}/mnist/test0/input0.bin)
qk_tool_test(qk_run_compare_mismatch qk-run 1 "output 0 differs" SHARED
             ARGS ${qk_models}/micro_speech/micro_speech_quantized.tflite
                  --input ${qk_models}/micro_speech/yes/input0.bin
                  --compare ${qk_models}/micro_speech/no/output0.bin)

# The summary without --output. Expected lines from the goldens and manifests of
# ../shared/models: mnist_int8io test0 is int8 [1, 10] (scale 1/256, zero point -128) with 127 at
# class 7 and -128 elsewhere, so class 7 scores (127 + 128) / 256 = 0.99609375, then classes 0..3
# score 0 (ties: lower index first); person_detect `person` is int8 [1, 2] = {-113, 113}: class 1
# scores 241 / 256 = 0.94140625, class 0 15 / 256 = 0.05859375. (%.6g of each.)
qk_tool_test(qk_run_summary_classifier qk-run 0
             "output 0 '[^']+': int8 \\[1, 10\\], scale 0.00390625, zero point -128\n  top 5 of 10 classes \\(dequantized score\\):\n    class 7 +0.996094 \\(q 127\\)\n    class 0 +0 \\(q -128\\)\n    class 1 +0 \\(q -128\\)\n    class 2 +0 \\(q -128\\)\n    class 3 +0 \\(q -128\\)\n"
             SHARED ARGS ${qk_models}/mnist_int8io/mnist_model_quantized.tflite
                         --input ${qk_models}/mnist_int8io/test0/input0.bin)
qk_tool_test(qk_run_summary_two_classes qk-run 0
             "int8 \\[1, 2\\], scale 0.00390625, zero point -128\n  top 2 of 2 classes \\(dequantized score\\):\n    class 1 +0.941406 \\(q 113\\)\n    class 0 +0.0585938 \\(q -113\\)\n"
             SHARED ARGS ${qk_models}/person_detect/person_detect.tflite
                         --input ${qk_models}/person_detect/person/input0.bin)
# --time: one row per operator (index, name, kernel, time) and the total; with --bench 3, the
# table averages the 4 invokes. mnist_int8io: CONV_2D, MAX_POOL_2D, RESHAPE, FULLY_CONNECTED x2,
# SOFTMAX (its manifest).
set(qk_time_rows "   0  CONV_2D +qs8_conv[a-z0-9_]+ +[0-9.]+ +[0-9.]+%\n   1  MAX_POOL_2D +(reference|xsimd_[a-z0-9]+):MAX_POOL_2D +[0-9.]+ +[0-9.]+%\n   2  RESHAPE .*   4  FULLY_CONNECTED +qs8_fc[a-z0-9_]+ .*   5  SOFTMAX +reference:SOFTMAX +[0-9.]+ +[0-9.]+%\ntotal [0-9.]+ us per invoke \\(operators [0-9.]+ us, 6 operators\\)")
qk_tool_test(qk_run_time qk-run 0 "time per operator, mean of 1 invoke .*${qk_time_rows}"
             SHARED ARGS ${qk_models}/mnist_int8io/mnist_model_quantized.tflite --time)
qk_tool_test(qk_run_time_bench qk-run 0
             "3 invokes in [0-9.]+ s.*time per operator, mean of 4 invokes .*${qk_time_rows}"
             SHARED ARGS ${qk_models}/mnist_int8io/mnist_model_quantized.tflite --time --bench 3)
# --threads: the same bytes as TFLite's golden on 3 threads (the outputs are thread-count
# independent); --repeat R: the median line.
qk_tool_test(qk_run_threads_compare qk-run 0
             "invoke median [0-9.]+ ms over 4 runs\noutput 0 identical to"
             SHARED ARGS ${qk_models}/person_detect/person_detect.tflite --threads 3 --repeat 4
                         --input ${qk_models}/person_detect/person/input0.bin
                         --compare ${qk_models}/person_detect/person/output0.bin)
qk_tool_test(qk_run_threads_negative qk-run 2 "--threads needs a count in \\[0, 1024\\]"
             ARGS model.tflite --threads -1)
qk_tool_test(qk_run_mnist_int8io qk-run 0 "accuracy 0.9773 \\(9773/10000\\).*outputs identical"
             SHARED ARGS ${qk_models}/mnist_int8io/mnist_model_quantized.tflite
                         --mnist ${qk_models}/mnist/t10k-images-idx3-ubyte.gz
                                 ${qk_models}/mnist/t10k-labels-idx1-ubyte.gz
                         --compare ${qk_models}/mnist_int8io/t10k_outputs.bin)
# --dump: every intermediate tensor identical to the goldens' intermediates/.
add_test(NAME qk_run_dump COMMAND ${CMAKE_COMMAND} -DTOOL=$<TARGET_FILE:qk-run>
         "-DEMULATOR=${qk_emulator}" "-DARGS=${qk_models}/person_detect/person_detect.tflite|--input|${qk_models}/person_detect/person/input0.bin|--dump|${CMAKE_CURRENT_BINARY_DIR}/qk_run_dump"
         -DEXPECT_RC=0 -DNEEDS_SHARED=${qk_models}
         -DDUMP_DIR=${CMAKE_CURRENT_BINARY_DIR}/qk_run_dump
         -DGOLDEN_DIR=${qk_models}/person_detect/person/intermediates
         -P ${CMAKE_CURRENT_SOURCE_DIR}/tool_check.cmake)
set_tests_properties(qk_run_dump PROPERTIES SKIP_REGULAR_EXPRESSION "SKIPPED:")


# qk-run on the synthetic MobileNetV2 (random weights, so no TFLite golden exists: this checks
# thread-count invariance only). The model and a held-out input are written first; the run on 1
# thread dumps every operator's output, and each run on 2, 3 and 8 threads must dump the same bytes
# for every one of them and write the same output.
if(TARGET qk-make-synthetic-mobilenet-v2)
  set(qk_synth ${CMAKE_CURRENT_BINARY_DIR}/synthetic_mobilenet_v2)
  add_test(NAME qk_run_synthetic_mobilenet_v2_make
           COMMAND ${CMAKE_COMMAND} -E make_directory ${qk_synth})
  add_test(NAME qk_run_synthetic_mobilenet_v2_write
           COMMAND qk-make-synthetic-mobilenet-v2 ${qk_synth}/model.tflite --seed 1
                   --image ${qk_synth}/image.bin)
  set_tests_properties(qk_run_synthetic_mobilenet_v2_make PROPERTIES FIXTURES_SETUP qk_synth_dir)
  set_tests_properties(qk_run_synthetic_mobilenet_v2_write PROPERTIES
    FIXTURES_SETUP qk_synth_model FIXTURES_REQUIRED qk_synth_dir)
  foreach(threads 1 2 3 8)
    if(threads EQUAL 1)
      set(outputs --output ${qk_synth}/output_t1.bin)
      set(check)
    else()
      set(outputs --compare ${qk_synth}/output_t1.bin)
      set(check -DGOLDEN_DIR=${qk_synth}/dump_t1 "-DEXPECT_REGEX=output 0 identical to")
    endif()
    set(args ${qk_synth}/model.tflite --threads ${threads} --input ${qk_synth}/image.bin
             ${outputs} --dump ${qk_synth}/dump_t${threads})
    string(REPLACE ";" "|" args "${args}")
    add_test(NAME qk_run_synthetic_mobilenet_v2_t${threads}
             COMMAND ${CMAKE_COMMAND} -DTOOL=$<TARGET_FILE:qk-run> "-DEMULATOR=${qk_emulator}"
                     "-DARGS=${args}" -DEXPECT_RC=0 -DDUMP_DIR=${qk_synth}/dump_t${threads}
                     ${check} -P ${CMAKE_CURRENT_SOURCE_DIR}/tool_check.cmake)
    if(threads EQUAL 1)
      set_tests_properties(qk_run_synthetic_mobilenet_v2_t1 PROPERTIES
        FIXTURES_REQUIRED qk_synth_model FIXTURES_SETUP qk_synth_t1)
    else()
      set_tests_properties(qk_run_synthetic_mobilenet_v2_t${threads} PROPERTIES
        FIXTURES_REQUIRED "qk_synth_model;qk_synth_t1")
    endif()
  endforeach()
endif()
