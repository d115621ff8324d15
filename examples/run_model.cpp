// run_model_cpp MODEL.tflite IN.bin... : runs a model with the C++ class of qkernels/model.hpp on
// raw input bytes (one file per input) and writes each output's bytes to OUT<i>.bin in the current
// directory, printing its shape and type.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <qkernels/model.hpp>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: run_model_cpp MODEL.tflite IN.bin...\n");
    return 2;
  }
  qk::Model model;
  qk::Status s = qk::Model::Load(argv[1], &model);
  for (int i = 0; s.ok() && i + 2 < argc; ++i) {
    std::ifstream file(argv[i + 2], std::ios::binary);
    const std::vector<char> bytes{std::istreambuf_iterator<char>(file), {}};
    s = model.SetInput(i, bytes);
  }
  if (s.ok()) s = model.Invoke();
  for (int i = 0; s.ok() && i < model.num_outputs(); ++i) {
    std::vector<unsigned char> out;
    qk_tensor_info info;
    s = model.OutputInfo(i, &info);
    if (s.ok()) s = model.GetOutput(i, &out);
    if (!s.ok()) break;
    const std::string path = "OUT" + std::to_string(i) + ".bin";
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(out.data()), std::streamsize(out.size()));
    std::printf("%s: %s, %d dims, %zu bytes\n", path.c_str(), qk_tensor_type_name(info.type),
                info.num_dims, out.size());
  }
  if (!s.ok()) std::fprintf(stderr, "run_model_cpp: %s\n", s.message().c_str());
  return s.ok() ? 0 : 1;
}
