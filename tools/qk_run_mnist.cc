// qk-run --mnist: the MNIST test set (gzip'd IDX files, read with zlib) through the model API.
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "qk_run.h"

namespace qkrun {
namespace {

// Reads a gzip'd IDX file: magic (2 zero bytes, type 0x08 = ubyte, rank), big-endian dims, data.
std::vector<uint8_t> ReadIdx(const std::string& path, int rank, std::vector<uint32_t>* dims) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) Die(path + ": cannot open");
  std::vector<uint8_t> bytes;
  uint8_t chunk[65536];
  int n;
  while ((n = gzread(f, chunk, sizeof(chunk))) > 0) bytes.insert(bytes.end(), chunk, chunk + n);
  const bool read_error = n < 0;
  gzclose(f);
  if (read_error) Die(path + ": gzip read error");
  const size_t header = 4 + 4 * size_t(rank);
  if (bytes.size() < header || bytes[0] != 0 || bytes[1] != 0 || bytes[2] != 0x08 ||
      bytes[3] != rank) {
    Die(path + ": not an IDX ubyte file of rank " + std::to_string(rank));
  }
  size_t total = 1;
  dims->clear();
  for (int d = 0; d < rank; ++d) {
    const uint8_t* p = &bytes[4 + 4 * d];
    dims->push_back(uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]);
    total *= dims->back();
  }
  if (bytes.size() - header != total) Die(path + ": size does not match the IDX header");
  return std::vector<uint8_t>(bytes.begin() + header, bytes.end());
}

bool IsEightBit(qk_tensor_type t) { return t == QK_TENSOR_INT8 || t == QK_TENSOR_UINT8; }

// Argmax over an 8-bit output (signed for int8), first index on ties.
size_t Argmax(qk_tensor_type type, const uint8_t* data, size_t n) {
  auto value = [&](size_t i) {
    return type == QK_TENSOR_INT8 ? int(int8_t(data[i])) : int(data[i]);
  };
  size_t best = 0;
  for (size_t i = 1; i < n; ++i) {
    if (value(i) > value(best)) best = i;
  }
  return best;
}

// The input quantization of a pixel p: q = round(p / 255 / scale) + zero_point, clamped to the type
// (../shared/models/README.md).
void InputTable(const qk_tensor_info& in, uint8_t lut[256]) {
  const int lo = in.type == QK_TENSOR_INT8 ? -128 : 0, hi = lo + 255;
  for (int p = 0; p < 256; ++p) {
    const long q = std::lround(p / 255.0 / double(in.scale)) + in.zero_point;
    lut[p] = uint8_t(std::min<long>(std::max<long>(q, lo), hi));
  }
}

}  // namespace

int RunMnist(const Args& a, qk::Model* model) {
  std::vector<uint32_t> idims, ldims;
  const std::vector<uint8_t> images = ReadIdx(a.mnist_images, 3, &idims);
  const std::vector<uint8_t> labels = ReadIdx(a.mnist_labels, 1, &ldims);
  const size_t count = idims[0], pixels = size_t(idims[1]) * idims[2];
  if (ldims[0] != count) Die("image and label counts differ");
  qk_tensor_info in, out;
  qk::Status s = model->InputInfo(0, &in);
  if (s.ok()) s = model->OutputInfo(0, &out);
  if (!s.ok()) Die(s.message());
  if (in.bytes != pixels || !IsEightBit(in.type) || in.scale <= 0) {
    Die("model input is not a quantized 8-bit tensor of " + std::to_string(pixels) + " pixels");
  }
  if (!IsEightBit(out.type) || out.bytes == 0) Die("model output is not a non-empty 8-bit tensor");
  uint8_t lut[256];
  InputTable(in, lut);
  std::vector<uint8_t> x(pixels), all_outputs(count * out.bytes);
  size_t correct = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (size_t n = 0; n < count; ++n) {
    const uint8_t* img = &images[n * pixels];
    for (size_t i = 0; i < pixels; ++i) x[i] = lut[img[i]];
    uint8_t* y = &all_outputs[n * out.bytes];
    s = model->SetInput(0, x.data(), x.size());
    if (s.ok()) s = model->Invoke();
    if (s.ok()) s = model->GetOutput(0, y, out.bytes);
    if (!s.ok()) Die(s.message());
    if (Argmax(out.type, y, out.bytes) == labels[n]) ++correct;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("accuracy %.4f (%zu/%zu)\n", double(correct) / double(count), correct, count);
  std::printf("%.0f images/s (%zu images in %.3f s)\n", double(count) / seconds, count, seconds);
  if (a.compare.empty()) return 0;
  const std::vector<uint8_t> want = ReadFile(a.compare[0]);
  if (want != all_outputs) {
    size_t i = 0;
    while (i < std::min(want.size(), all_outputs.size()) && want[i] == all_outputs[i]) ++i;
    std::printf("MISMATCH with %s: first difference at byte %zu (record %zu)\n",
                a.compare[0].c_str(), i, i / out.bytes);
    return 1;
  }
  std::printf("outputs identical to %s (%zu records)\n", a.compare[0].c_str(), count);
  return 0;
}

}  // namespace qkrun
