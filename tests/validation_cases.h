// Test support for validation_test: valid base parameters for each op and type, and the tables of
// invalid cases (each mutates a valid description and names the field the error must mention).
#ifndef QKERNELS_TESTS_VALIDATION_CASES_H_
#define QKERNELS_TESTS_VALIDATION_CASES_H_

#include <climits>
#include <cstring>
#include <functional>
#include <utility>
#include <vector>

#include "qkernels/qkernels.h"
#include "qkernels/qkernels.hpp"

namespace qk {
namespace validation {

constexpr int kHuge = (1 << 24) + 1;  // one above the largest accepted dimension
constexpr int kBig = 1 << 24;         // accepted alone, but products of four overflow int64
constexpr int kOutC = 6;

inline const int32_t kMultipliers[kOutC] = {1 << 30, 1 << 30, 1 << 30, 1 << 30, 1 << 30, 1 << 30};
inline const int32_t kShifts[kOutC] = {-8, -8, -8, -8, -8, -8};

// A valid requantization block for `type`, per-channel over kOutC channels.
inline Requantization ValidQuant(DataType type) {
  Requantization q;
  q.output_multiplier = kMultipliers;
  q.output_shift = kShifts;
  q.num_channels = kOutC;
  q.activation_min = type == DataType::kUInt8 ? 0 : type == DataType::kInt16 ? -32768 : -128;
  q.activation_max = type == DataType::kUInt8 ? 255 : type == DataType::kInt16 ? 32767 : 127;
  if (type == DataType::kUInt8) q.input_zero_point = q.output_zero_point = 128;
  if (type == DataType::kUInt8) q.filter_zero_point = 3;
  return q;
}

inline Conv2DParams ValidConv(DataType type) {
  Conv2DParams p;
  p.type = type;
  p.input_height = 7, p.input_width = 5, p.input_channels = 4;
  p.output_channels = kOutC;
  p.kernel_height = 3, p.kernel_width = 3;
  p.groups = 2;
  p.quant = ValidQuant(type);
  return p;
}

inline DepthwiseConv2DParams ValidDepthwise(DataType type) {
  DepthwiseConv2DParams p;
  p.type = type;
  p.input_height = 7, p.input_width = 5, p.input_channels = 3;
  p.depth_multiplier = 2;
  p.kernel_height = 3, p.kernel_width = 3;
  p.quant = ValidQuant(type);
  return p;
}

inline FullyConnectedParams ValidFc(DataType type) {
  FullyConnectedParams p;
  p.type = type;
  p.batch = 2, p.input_depth = 5, p.output_depth = kOutC;
  p.quant = ValidQuant(type);
  return p;
}

// Geometry shared by conv2d and depthwise (both parameter structs have these fields).
template <typename P>
struct GeometryCase {
  const char* field;  // expected in the message
  std::function<void(P*)> mutate;
};

template <typename P>
std::vector<GeometryCase<P>> SpatialCases() {
  std::vector<GeometryCase<P>> cases = {
      {"type", [](P* p) { p->type = static_cast<DataType>(3); }},
      {"type", [](P* p) { p->type = static_cast<DataType>(-1); }},
      {"padding", [](P* p) { p->padding = static_cast<Padding>(3); }},
      {"padding", [](P* p) { p->padding = static_cast<Padding>(-1); }},
      {"output_height", [](P* p) { p->kernel_height = 8; }},           // VALID, kernel > input
      {"output_width", [](P* p) { p->kernel_width = 6; }},
      {"output_height", [](P* p) { p->dilation_height = 4; }},         // (3-1)*4+1 = 9 > 7
      {"output_width", [](P* p) { p->stride_width = 2, p->dilation_width = 3; }},
      {"input (", [](P* p) {  // 2^96 elements: the product overflows int64
         p->batch = p->input_height = p->input_width = p->input_channels = kBig;
       }},
      {"input (", [](P* p) { p->batch = 1 << 12, p->input_height = p->input_width = 1 << 10; }},
      {"output (", [](P* p) {  // explicit pads make a 2^25 x 2^25 output from a 7x5 input
         p->padding = Padding::kExplicit;
         p->pad_top = p->pad_bottom = p->pad_left = p->pad_right = kBig;
       }},
  };
  const std::pair<const char*, int P::*> positive[] = {
      {"batch", &P::batch},
      {"input_height", &P::input_height},
      {"input_width", &P::input_width},
      {"input_channels", &P::input_channels},
      {"kernel_height", &P::kernel_height},
      {"kernel_width", &P::kernel_width},
      {"stride_height", &P::stride_height},
      {"stride_width", &P::stride_width},
      {"dilation_height", &P::dilation_height},
      {"dilation_width", &P::dilation_width}};
  for (const auto& f : positive) {
    for (int v : {0, -1, INT_MIN, kHuge, INT_MAX}) {
      cases.push_back({f.first, [m = f.second, v](P* p) { p->*m = v; }});
    }
  }
  const std::pair<const char*, int P::*> pads[] = {{"pad_top", &P::pad_top},
                                                   {"pad_bottom", &P::pad_bottom},
                                                   {"pad_left", &P::pad_left},
                                                   {"pad_right", &P::pad_right}};
  for (const auto& f : pads) {
    for (int v : {-1, INT_MIN, kHuge}) {
      cases.push_back({f.first, [m = f.second, v](P* p) {
                         p->padding = Padding::kExplicit;
                         p->*m = v;
                       }});
    }
  }
  return cases;
}


inline std::vector<GeometryCase<Conv2DParams>> ConvCases() {
  using P = Conv2DParams;
  std::vector<GeometryCase<P>> cases = SpatialCases<P>();
  for (int v : {0, -1, INT_MIN, kHuge}) {
    cases.push_back({"output_channels", [v](P* p) { p->output_channels = v; }});
    cases.push_back({"groups", [v](P* p) { p->groups = v; }});
  }
  cases.push_back({"groups", [](P* p) { p->groups = 3; }});  // does not divide 4 input channels
  cases.push_back({"groups", [](P* p) { p->groups = 4; }});  // does not divide 6 output channels
  cases.push_back({"filter", [](P* p) {  // 2^12 * 2^12 * 2^12 * 2^12 weights (SAME fits any kernel)
    p->padding = Padding::kSame;
    p->kernel_height = p->kernel_width = 1 << 12;
    p->input_channels = p->output_channels = 1 << 12;
    p->groups = 1;
    p->input_height = p->input_width = 1;
  }});
  return cases;
}

inline std::vector<GeometryCase<DepthwiseConv2DParams>> DepthwiseCases() {
  using P = DepthwiseConv2DParams;
  std::vector<GeometryCase<P>> cases = SpatialCases<P>();
  for (int v : {0, -1, INT_MIN, kHuge}) {
    cases.push_back({"depth_multiplier", [v](P* p) { p->depth_multiplier = v; }});
  }
  cases.push_back({"input_channels * depth_multiplier", [](P* p) {
    p->input_channels = 1 << 13, p->depth_multiplier = 1 << 12;
  }});
  cases.push_back({"filter", [](P* p) {
    p->padding = Padding::kSame;
    p->kernel_height = p->kernel_width = 1 << 12;
    p->input_channels = 1 << 12;
    p->input_height = p->input_width = 1;
    p->depth_multiplier = 1;
  }});
  return cases;
}

inline std::vector<GeometryCase<FullyConnectedParams>> FcCases() {
  using P = FullyConnectedParams;
  std::vector<GeometryCase<P>> cases = {
      {"type", [](P* p) { p->type = static_cast<DataType>(7); }},
      {"input (", [](P* p) { p->batch = p->input_depth = kBig; }},
      {"output (", [](P* p) { p->batch = kBig, p->output_depth = kBig, p->input_depth = 1; }},
      {"filter", [](P* p) { p->batch = 1, p->input_depth = kBig, p->output_depth = kBig; }},
  };
  const std::pair<const char*, int P::*> positive[] = {{"batch", &P::batch},
                                                       {"input_depth", &P::input_depth},
                                                       {"output_depth", &P::output_depth}};
  for (const auto& f : positive) {
    for (int v : {0, -1, INT_MIN, kHuge, INT_MAX}) {
      cases.push_back({f.first, [m = f.second, v](P* p) { p->*m = v; }});
    }
  }
  return cases;
}

// An invalid requantization block: the case mutates a copy of the valid arrays as well.
struct QuantCase {
  const char* field;
  std::function<void(Requantization*, int32_t* multipliers, int32_t* shifts)> mutate;
  bool used_by_requantize;  // RequantizeInt32ToInt8 ignores the input/filter zero points
};

inline std::vector<QuantCase> QuantCases(DataType type) {
  using Q = Requantization;
  const bool u8 = type == DataType::kUInt8, i16 = type == DataType::kInt16;
  const int lo = u8 ? 0 : i16 ? -32768 : -128, hi = u8 ? 255 : i16 ? 32767 : 127;
  std::vector<QuantCase> cases;
  const int zp_lo = i16 ? 0 : lo, zp_hi = i16 ? 0 : hi;
  for (int v : {zp_lo - 1, zp_hi + 1, INT_MIN, INT_MAX}) {
    cases.push_back({"input_zero_point", [v](Q* q, int32_t*, int32_t*) { q->input_zero_point = v; },
                     false});
    cases.push_back({"output_zero_point",
                     [v](Q* q, int32_t*, int32_t*) { q->output_zero_point = v; }, true});
  }
  for (int v : u8 ? std::vector<int>{-1, 256, INT_MIN} : std::vector<int>{1, -1, 127}) {
    cases.push_back({"filter_zero_point",
                     [v](Q* q, int32_t*, int32_t*) { q->filter_zero_point = v; }, false});
  }
  for (int v : {0, -1, 2, kOutC + 1, INT_MAX, INT_MIN}) {
    cases.push_back({"num_channels", [v](Q* q, int32_t*, int32_t*) { q->num_channels = v; }, true});
  }
  cases.push_back({"output_multiplier",
                   [](Q* q, int32_t*, int32_t*) { q->output_multiplier = nullptr; }, true});
  cases.push_back({"output_shift", [](Q* q, int32_t*, int32_t*) { q->output_shift = nullptr; },
                   true});
  for (int channel : {0, kOutC - 1}) {
    for (int32_t v : {1, (1 << 30) - 1, -1, -(1 << 30), INT32_MIN}) {
      cases.push_back({"output_multiplier[",
                       [channel, v](Q*, int32_t* m, int32_t*) { m[channel] = v; }, true});
    }
    for (int32_t v : {-32, INT32_MIN, INT32_MAX, i16 ? 8 : 31}) {
      cases.push_back({"output_shift[", [channel, v](Q*, int32_t*, int32_t* s) { s[channel] = v; },
                       true});
    }
  }
  if (i16) {  // int16x8 shifts stop at 7
    for (int32_t v : {8, 30}) {
      cases.push_back({"output_shift[", [v](Q*, int32_t*, int32_t* s) { s[0] = v; }, true});
    }
  }
  cases.push_back({"activation_min", [](Q* q, int32_t*, int32_t*) {
                     q->activation_min = 10, q->activation_max = 9;
                   }, true});
  for (auto range : {std::pair<int, int>{lo - 1, hi}, {lo, hi + 1}, {INT_MIN, INT_MAX}}) {
    cases.push_back({"activation_min", [range](Q* q, int32_t*, int32_t*) {
                       q->activation_min = range.first, q->activation_max = range.second;
                     }, true});
  }
  for (int v : {2, -1, 100}) {
    cases.push_back({"rounding", [v](Q* q, int32_t*, int32_t*) {
                       q->rounding = static_cast<Rounding>(v);
                     }, true});
  }
  return cases;
}

// The C API's view of the same parameters. Enum fields are written through their bytes: storing an
// out-of-range value in a C enum is legal in C, but a C++ load of it would be undefined.
template <typename E>
void SetEnum(E* field, int value) {
  static_assert(sizeof(E) == sizeof(int), "C enums are int-sized");
  std::memcpy(field, &value, sizeof value);
}

inline qk_requantization ToC(const Requantization& q) {
  qk_requantization c;
  c.input_zero_point = q.input_zero_point;
  c.filter_zero_point = q.filter_zero_point;
  c.output_zero_point = q.output_zero_point;
  c.output_multiplier = q.output_multiplier;
  c.output_shift = q.output_shift;
  c.num_channels = q.num_channels;
  c.activation_min = q.activation_min;
  c.activation_max = q.activation_max;
  SetEnum(&c.rounding, static_cast<int>(q.rounding));
  return c;
}

template <typename P>
qk_conv_params ToC(const P& p) {
  qk_conv_params c;
  qk_conv_params_init(&c);
  SetEnum(&c.type, static_cast<int>(p.type));
  c.batch = p.batch;
  c.input_height = p.input_height, c.input_width = p.input_width;
  c.input_channels = p.input_channels;
  c.kernel_height = p.kernel_height, c.kernel_width = p.kernel_width;
  c.stride_height = p.stride_height, c.stride_width = p.stride_width;
  c.dilation_height = p.dilation_height, c.dilation_width = p.dilation_width;
  SetEnum(&c.padding, static_cast<int>(p.padding));
  c.pad_top = p.pad_top, c.pad_bottom = p.pad_bottom;
  c.pad_left = p.pad_left, c.pad_right = p.pad_right;
  c.quant = ToC(p.quant);
  return c;
}

inline qk_conv_params ToCConv(const Conv2DParams& p) {
  qk_conv_params c = ToC(p);
  c.output_channels = p.output_channels;
  c.groups = p.groups;
  return c;
}

inline qk_conv_params ToCDepthwise(const DepthwiseConv2DParams& p) {
  qk_conv_params c = ToC(p);
  c.depth_multiplier = p.depth_multiplier;
  return c;
}

inline qk_fully_connected_params ToCFc(const FullyConnectedParams& p) {
  qk_fully_connected_params c;
  qk_fully_connected_params_init(&c);
  SetEnum(&c.type, static_cast<int>(p.type));
  c.batch = p.batch, c.input_depth = p.input_depth, c.output_depth = p.output_depth;
  c.quant = ToC(p.quant);
  return c;
}

}  // namespace validation
}  // namespace qk

#endif  // QKERNELS_TESTS_VALIDATION_CASES_H_
