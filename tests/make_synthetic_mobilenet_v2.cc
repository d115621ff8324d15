// qk-make-synthetic-mobilenet-v2: writes the synthetic MobileNetV2 of synthetic_mobilenet_v2.h
// (random weights: for timing and thread-count checks, not a trained model; no TFLite output
// exists for it) and, optionally, a seeded random input image for it.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "tests/synthetic_mobilenet_v2.h"

namespace {

const char kUsage[] =
    "usage: qk-make-synthetic-mobilenet-v2 OUT.tflite [--size N] [--seed S] [--image OUT.bin]\n"
    "  writes an int8 model with MobileNetV2 1.0's layers and seeded random weights (calibrated\n"
    "  on one seeded random image); --size: input height and width, a multiple of 32 (224);\n"
    "  --image: also write a seeded random int8 input (N x N x 3 bytes).\n";

bool Write(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  return std::fclose(f) == 0 && ok;
}

}  // namespace

int main(int argc, char** argv) {
  qk::test::SyntheticMobileNetV2Options options;
  std::string out, image;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if ((a == "--size" || a == "--seed" || a == "--image") && !has_value) {
      std::fprintf(stderr, "%s needs a value\n%s", a.c_str(), kUsage);
      return 2;
    }
    if (a == "--size") {
      options.size = std::atoi(argv[++i]);
    } else if (a == "--seed") {
      options.seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--image") {
      image = argv[++i];
    } else if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (out.empty() && a.rfind("--", 0) != 0) {
      out = a;
    } else {
      std::fprintf(stderr, "unexpected argument '%s'\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  if (out.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::vector<uint8_t> bytes;
  std::string error;
  if (!qk::test::BuildSyntheticMobileNetV2(options, &bytes, &error)) {
    std::fprintf(stderr, "qk-make-synthetic-mobilenet-v2: %s\n", error.c_str());
    return 1;
  }
  if (!Write(out, bytes) ||
      (!image.empty() && !Write(image, qk::test::SyntheticImage(options.size, options.seed)))) {
    std::fprintf(stderr, "qk-make-synthetic-mobilenet-v2: cannot write the output\n");
    return 1;
  }
  std::printf("wrote %s (%zu bytes): synthetic MobileNetV2 %dx%d, seed %llu\n", out.c_str(),
              bytes.size(), options.size, options.size, (unsigned long long)options.seed);
  return 0;
}
