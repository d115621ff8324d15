// Quantized ADD: TFLite Micro CalculateOpDataAdd + reference_integer_ops::AddFunc (see add.h).
#include "runtime/ops/add.h"

#include <algorithm>
#include <cmath>

#include "qkernels/requantize.h"

namespace qk {
namespace rt {
namespace ops {
namespace {

// TFLite QuantizeMultiplierSmallerThanOneExp: QuantizeMultiplier of a value in (0, 1).
bool SmallerThanOne(double real, int32_t* multiplier, int* shift) {
  if (!(real > 0.0 && real < 1.0)) return false;
  const QuantizedMultiplier q = QuantizeMultiplier(real);
  *multiplier = q.multiplier;
  *shift = q.shift;
  return q.shift <= 0;
}

template <typename T>
void AddImpl(const AddParams& p, const T* in1, const T* in2, T* out) {
  // MultiplyByQuantizedMultiplierSmallerThanOneExp == MultiplyByQuantizedMultiplier for shift <= 0
  // (double rounding: SaturatingRoundingDoublingHighMul then RoundingDivideByPOT). With zero
  // points inside the type's range, |q - zp| * 2^left_shift < 2^31 (65535 * 2^15 for int16).
  auto one = [&p](int32_t a, int32_t b) {
    const int32_t x1 = (p.input1_offset + a) * (1 << p.left_shift);
    const int32_t x2 = (p.input2_offset + b) * (1 << p.left_shift);
    const int32_t s1 = MultiplyByQuantizedMultiplier(x1, p.input1_multiplier, p.input1_shift);
    const int32_t s2 = MultiplyByQuantizedMultiplier(x2, p.input2_multiplier, p.input2_shift);
    const int32_t raw =
        MultiplyByQuantizedMultiplier(s1 + s2, p.output_multiplier, p.output_shift) +
        p.output_offset;
    return T(std::min(p.act_max, std::max(p.act_min, raw)));
  };
  const size_t len = size_t(p.dims[5]), step1 = p.stride1[5], step2 = p.stride2[5];
  ForEachAddRow(p, [&](size_t base1, size_t base2, size_t o) {
    for (size_t i = 0; i < len; ++i) {
      out[o + i] = one(in1[base1 + i * step1], in2[base2 + i * step2]);
    }
  });
}

}  // namespace

bool PrepareAddQuantization(float input1_scale, int32_t input1_zp, float input2_scale,
                            int32_t input2_zp, float output_scale, int32_t output_zp,
                            int left_shift, AddParams* p, std::string* error) {
  p->input1_offset = -input1_zp;
  p->input2_offset = -input2_zp;
  p->output_offset = output_zp;
  p->left_shift = left_shift;
  const double twice_max_input_scale = 2 * double(std::max(input1_scale, input2_scale));
  const double real_input1_multiplier = double(input1_scale) / twice_max_input_scale;
  const double real_input2_multiplier = double(input2_scale) / twice_max_input_scale;
  const double real_output_multiplier =
      twice_max_input_scale / (double(1 << p->left_shift) * double(output_scale));
  if (!SmallerThanOne(real_input1_multiplier, &p->input1_multiplier, &p->input1_shift) ||
      !SmallerThanOne(real_input2_multiplier, &p->input2_multiplier, &p->input2_shift) ||
      !SmallerThanOne(real_output_multiplier, &p->output_multiplier, &p->output_shift)) {
    *error = "add: scales give a rescaling multiplier outside (0, 1)";
    return false;
  }
  return true;
}

bool PrepareBroadcast(const std::vector<int>& a, const std::vector<int>& b,
                      const std::vector<int>& out, AddParams* p, std::string* error) {
  const int n = kMaxBroadcastRank;
  auto elements = [](const std::vector<int>& s) {
    size_t e = 1;
    for (int d : s) e *= size_t(d);
    return e;
  };
  // ProcessBroadcastShapes: shapes equal once right-aligned -> element-wise on the flat arrays.
  const size_t common = std::min(a.size(), b.size());
  bool same = std::equal(a.end() - common, a.end(), b.end() - common);
  for (size_t i = 0; same && i + common < a.size(); ++i) same = a[i] == 1;
  for (size_t i = 0; same && i + common < b.size(); ++i) same = b[i] == 1;
  if (same) {
    if (elements(out) != elements(a)) {
      *error = "add: output element count differs from the inputs'";
      return false;
    }
    std::fill(p->dims, p->dims + n, 1);
    p->dims[n - 1] = int(elements(a));
    std::fill(p->stride1, p->stride1 + n, 0);
    std::fill(p->stride2, p->stride2 + n, 0);
    p->stride1[n - 1] = p->stride2[n - 1] = 1;
    return true;
  }
  if (int(a.size()) > n || int(b.size()) > n || int(out.size()) > n) {
    *error = "add: broadcasting above rank 6";
    return false;
  }
  int da[n], db[n];
  for (int i = 0; i < n; ++i) {
    const int ia = i - (n - int(a.size())), ib = i - (n - int(b.size())),
              io = i - (n - int(out.size()));
    da[i] = ia >= 0 ? a[ia] : 1;
    db[i] = ib >= 0 ? b[ib] : 1;
    p->dims[i] = io >= 0 ? out[io] : 1;
  }
  size_t sa = 1, sb = 1;
  for (int i = n - 1; i >= 0; --i) {
    // Numpy rules: equal sizes, or one of them 1 (a 0 broadcasts only against 1).
    const bool ok = da[i] == db[i] || da[i] == 1 || db[i] == 1;
    const int want = da[i] == 1 ? db[i] : da[i];
    if (!ok || p->dims[i] != want) {
      *error = "add: input shapes do not broadcast to the output shape";
      return false;
    }
    p->stride1[i] = da[i] == 1 ? 0 : sa;
    p->stride2[i] = db[i] == 1 ? 0 : sb;
    sa *= size_t(da[i]);
    sb *= size_t(db[i]);
  }
  return true;
}

int AddSplitDimension(const AddParams& p) {
  for (int k = 0; k < kMaxBroadcastRank; ++k) {
    if (p.dims[k] > 1) return k;
  }
  return kMaxBroadcastRank - 1;
}

AddSlice SliceAdd(const AddParams& p, int begin, int end) {
  const int k = AddSplitDimension(p);
  size_t out_stride = 1;
  for (int i = k + 1; i < kMaxBroadcastRank; ++i) out_stride *= size_t(p.dims[i]);
  AddSlice s;
  s.params = p;
  s.params.dims[k] = end - begin;
  s.offset1 = size_t(begin) * p.stride1[k];
  s.offset2 = size_t(begin) * p.stride2[k];
  s.offset_out = size_t(begin) * out_stride;
  return s;
}

void Add(const AddParams& p, const int8_t* in1, const int8_t* in2, int8_t* out) {
  AddImpl(p, in1, in2, out);
}
void Add(const AddParams& p, const uint8_t* in1, const uint8_t* in2, uint8_t* out) {
  AddImpl(p, in1, in2, out);
}
void Add(const AddParams& p, const int16_t* in1, const int16_t* in2, int16_t* out) {
  AddImpl(p, in1, in2, out);
}

}  // namespace ops
}  // namespace rt
}  // namespace qk
