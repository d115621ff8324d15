// TRANSPOSE, CONCATENATION and PAD on raw elements (see data_movement.h).
#include "runtime/ops/data_movement.h"

#include <cstring>

namespace qk {
namespace rt {
namespace ops {

void Transpose(const std::vector<int>& dims, const std::vector<int>& perm, size_t es,
               const void* input, void* output) {
  const int rank = int(dims.size());
  std::vector<size_t> in_stride(rank, 1);
  for (int i = rank - 2; i >= 0; --i) in_stride[i] = in_stride[i + 1] * size_t(dims[i + 1]);
  std::vector<int> out_dims(rank);
  std::vector<size_t> src_stride(rank);  // input stride of each output dimension
  size_t total = 1;
  for (int i = 0; i < rank; ++i) {
    out_dims[i] = dims[perm[i]];
    src_stride[i] = in_stride[perm[i]];
    total *= size_t(out_dims[i]);
  }
  const uint8_t* in = static_cast<const uint8_t*>(input);
  uint8_t* out = static_cast<uint8_t*>(output);
  std::vector<int> index(rank, 0);
  size_t src = 0;
  for (size_t o = 0; o < total; ++o) {
    std::memcpy(out + o * es, in + src * es, es);
    for (int d = rank - 1; d >= 0; --d) {
      src += src_stride[d];
      if (++index[d] < out_dims[d]) break;
      src -= src_stride[d] * size_t(index[d]);
      index[d] = 0;
    }
  }
}

void Concatenate(const std::vector<std::vector<int>>& dims, const std::vector<const void*>& inputs,
                 int axis, size_t es, void* output) {
  size_t outer = 1;
  for (int i = 0; i < axis; ++i) outer *= size_t(dims[0][i]);
  std::vector<size_t> chunk(inputs.size());
  for (size_t k = 0; k < inputs.size(); ++k) {
    size_t c = es;
    for (size_t i = axis; i < dims[k].size(); ++i) c *= size_t(dims[k][i]);
    chunk[k] = c;
  }
  uint8_t* out = static_cast<uint8_t*>(output);
  for (size_t o = 0; o < outer; ++o) {
    for (size_t k = 0; k < inputs.size(); ++k) {
      std::memcpy(out, static_cast<const uint8_t*>(inputs[k]) + o * chunk[k], chunk[k]);
      out += chunk[k];
    }
  }
}

namespace {

// `elements` copies of the pad value; returns the pointer after them.
uint8_t* Fill(uint8_t* out, size_t elements, size_t es, const uint8_t* value) {
  if (es == 1) {
    std::memset(out, value[0], elements);
    return out + elements;
  }
  for (size_t i = 0; i < elements; ++i, out += es) std::memcpy(out, value, es);
  return out;
}

// Writes the padded block of dimension d onward; returns the output pointer after it.
uint8_t* PadDim(int d, const std::vector<int>& dims, const std::vector<int>& before,
                const std::vector<int>& after, const std::vector<size_t>& out_block, size_t es,
                const uint8_t* value, const uint8_t*& in, uint8_t* out) {
  auto fill = [&](size_t elements) { out = Fill(out, elements, es, value); };
  const int rank = int(dims.size());
  const size_t inner = d + 1 < rank ? out_block[d + 1] : 1;
  fill(size_t(before[d]) * inner);
  if (d + 1 == rank) {
    const size_t n = size_t(dims[d]) * es;
    std::memcpy(out, in, n);
    out += n;
    in += n;
  } else {
    for (int i = 0; i < dims[d]; ++i) {
      out = PadDim(d + 1, dims, before, after, out_block, es, value, in, out);
    }
  }
  fill(size_t(after[d]) * inner);
  return out;
}

}  // namespace

int PadSplitDimension(const std::vector<int>& dims, const std::vector<int>& before,
                      const std::vector<int>& after) {
  const int rank = int(dims.size());
  for (int d = 0; d + 1 < rank; ++d) {
    if (before[d] + dims[d] + after[d] != 1) return d;
  }
  return rank - 1;
}

void PadRows(const std::vector<int>& dims, const std::vector<int>& before,
             const std::vector<int>& after, size_t es, const void* pad_value, const void* input,
             void* output, int d, int begin, int end) {
  const int rank = int(dims.size());
  std::vector<size_t> out_block(rank);  // output elements per index of dimension d
  size_t b = 1, in_inner = 1;
  for (int i = rank - 1; i >= 0; --i) {
    b *= size_t(before[i] + dims[i] + after[i]);
    out_block[i] = b;
    if (i > d) in_inner *= size_t(dims[i]);
  }
  const size_t out_inner = d + 1 < rank ? out_block[d + 1] : 1;
  const uint8_t* value = static_cast<const uint8_t*>(pad_value);
  for (int j = begin; j < end; ++j) {
    uint8_t* out = static_cast<uint8_t*>(output) + size_t(j) * out_inner * es;
    if (j < before[d] || j >= before[d] + dims[d]) {
      Fill(out, out_inner, es, value);
      continue;
    }
    const uint8_t* in = static_cast<const uint8_t*>(input) + size_t(j - before[d]) * in_inner * es;
    if (d + 1 == rank) std::memcpy(out, in, es);
    else PadDim(d + 1, dims, before, after, out_block, es, value, in, out);
  }
}

void Pad(const std::vector<int>& dims, const std::vector<int>& before, const std::vector<int>& after,
         size_t es, const void* pad_value, const void* input, void* output) {
  if (dims.empty()) {
    std::memcpy(output, input, es);
    return;
  }
  PadRows(dims, before, after, es, pad_value, input, output, 0, 0, before[0] + dims[0] + after[0]);
}

}  // namespace ops
}  // namespace rt
}  // namespace qk
