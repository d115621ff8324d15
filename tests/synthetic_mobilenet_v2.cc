// The synthetic MobileNetV2 (synthetic_mobilenet_v2.h): the real-valued network, its quantized
// .tflite form, and the calibration of every activation's range on one seeded image.
#include "tests/synthetic_mobilenet_v2.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <utility>

#include "runtime/interpreter.h"
#include "runtime/tflite_reader.h"
#include "tests/tflite_builder.h"

namespace qk {
namespace test {
namespace {

// splitmix64: a seeded stream that needs nothing from libm (the file must not depend on it).
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double Uniform() { return double(Next() >> 11) * (1.0 / 9007199254740992.0); }  // [0, 1)
  // Approximately N(0, 1): Irwin-Hall, the sum of 12 uniforms minus 6.
  double Gauss() {
    double s = -6;
    for (int i = 0; i < 12; ++i) s += Uniform();
    return s;
  }

 private:
  uint64_t s_;
};

// An activation tensor: its shape and quantization (from the calibrated real range).
struct Act {
  std::vector<int> shape;
  bool relu6 = false;     // range [0, hi], zero point -128
  int same_as = -1;       // PAD and MEAN outputs keep their input's quantization
  bool fixed = false;     // the model input and the softmax output
  double lo = -8, hi = 8;  // the real range the quantization covers (first guess: wide)
  float scale = 1;
  int zero_point = 0;
};

enum class Kind { kConv, kDepthwise, kPad, kAdd, kMean, kFc, kSoftmax };

struct Layer {
  Layer(Kind k, std::vector<int> inputs) : kind(k), in(std::move(inputs)) {}
  Kind kind;
  std::vector<int> in;  // activation indices
  int out = -1;
  int k = 1, stride = 1;
  bool same_padding = true, relu6 = false;
  std::vector<int8_t> weights;     // TFLite layout
  std::vector<float> w_scales;     // per output channel (one for the fully connected layer)
  std::vector<double> bias;        // real values, quantized at input scale x filter scale
};

class Net {
 public:
  explicit Net(uint64_t seed) : rng_(seed) {}

  int Input(int size) {
    Act a;
    a.shape = {1, size, size, 3};
    a.fixed = true;
    a.scale = float(2.0 / 255);  // [-1, 1] as MobileNetV2's preprocessing gives
    a.zero_point = -1;
    return AddAct(a);
  }
  int Conv(int in, int cout, int k, int stride, bool relu6) {
    const std::vector<int>& s = acts_[in].shape;
    Layer l = Weighted(Kind::kConv, in, cout, k * k * s[3], k, stride, relu6);
    l.out = AddAct(Out({1, Ceil(s[1], stride), Ceil(s[2], stride), cout}, relu6));
    return Push(std::move(l));
  }
  int Depthwise(int in, int stride) {
    std::vector<int> s = acts_[in].shape;
    if (stride == 2) in = Pad(in);  // Keras: ZeroPadding2D(((0, 1), (0, 1))), then VALID
    Layer l = Weighted(Kind::kDepthwise, in, s[3], 9, 3, stride, true);
    l.same_padding = stride == 1;
    l.out = AddAct(Out({1, Ceil(s[1], stride), Ceil(s[2], stride), s[3]}, true));
    return Push(std::move(l));
  }
  int Add(int a, int b) {
    Layer l{Kind::kAdd, {a, b}};
    l.out = AddAct(Out(acts_[a].shape, false));
    return Push(std::move(l));
  }
  int Mean(int in) {
    Layer l{Kind::kMean, {in}};
    Act a;
    a.shape = {1, acts_[in].shape[3]};
    a.same_as = in;
    l.out = AddAct(a);
    return Push(std::move(l));
  }
  int Fc(int in, int n) {
    Layer l = Weighted(Kind::kFc, in, n, acts_[in].shape[1], 1, 1, false);
    l.out = AddAct(Out({1, n}, false));
    return Push(std::move(l));
  }
  int Softmax(int in) {
    Layer l{Kind::kSoftmax, {in}};
    Act a;
    a.shape = acts_[in].shape;
    a.fixed = true;
    a.scale = 1.f / 256;
    a.zero_point = -128;
    l.out = AddAct(a);
    return Push(std::move(l));
  }

  void Quantize();
  // Widens or narrows each calibrated range to the real values [lo, hi] seen for it.
  void Observe(int act, double lo, double hi);
  std::vector<uint8_t> Build() const;
  const std::vector<Act>& acts() const { return acts_; }
  const std::vector<Layer>& layers() const { return layers_; }

 private:
  static int Ceil(int n, int d) { return (n + d - 1) / d; }
  int AddAct(const Act& a) {
    acts_.push_back(a);
    return int(acts_.size()) - 1;
  }
  int Push(Layer l) {
    const int out = l.out;
    layers_.push_back(std::move(l));
    return out;
  }
  static Act Out(std::vector<int> shape, bool relu6) {
    Act a;
    a.shape = std::move(shape);
    a.relu6 = relu6;
    if (relu6) a.lo = 0, a.hi = 6;
    return a;
  }
  int Pad(int in) {
    const std::vector<int>& s = acts_[in].shape;
    Layer l{Kind::kPad, {in}};
    Act a;
    a.shape = {1, s[1] + 1, s[2] + 1, s[3]};
    a.same_as = in;
    l.out = AddAct(a);
    return Push(std::move(l));
  }
  Layer Weighted(Kind kind, int in, int cout, int fan_in, int k, int stride, bool relu6);

  Rng rng_;
  std::vector<Act> acts_;
  std::vector<Layer> layers_;
};

// Weights as a converter quantizes trained ones: real values ~ N(0, gain / fan_in) (He: gain 2
// before a ReLU6, 1 before a linear output), times a per-channel factor in [0.5, 1.5] (what
// folding batch normalization leaves); symmetric int8 with max |q| = 127 per channel (per tensor
// for the fully connected layer). Biases: real values uniform in [-0.2, 0.2].
Layer Net::Weighted(Kind kind, int in, int cout, int fan_in, int k, int stride, bool relu6) {
  Layer l{kind, {in}};
  l.k = k;
  l.stride = stride;
  l.relu6 = relu6;
  const bool per_tensor = kind == Kind::kFc;
  // Depthwise: one channel per output, [1, k, k, c]; the others [cout, ..., fan_in].
  const int per_out = kind == Kind::kDepthwise ? k * k : fan_in;
  std::vector<double> real(size_t(cout) * per_out);
  const double std_dev = std::sqrt((relu6 ? 2.0 : 1.0) / fan_in) * (per_tensor ? 3.0 : 1.0);
  for (int c = 0; c < cout; ++c) {
    const double factor = 0.5 + rng_.Uniform();
    for (int i = 0; i < per_out; ++i) {
      real[size_t(c) * per_out + i] = rng_.Gauss() * std_dev * factor;
    }
  }
  auto max_abs = [&](size_t begin, size_t end) {
    double m = 1e-12;
    for (size_t i = begin; i < end; ++i) m = std::max(m, std::fabs(real[i]));
    return m;
  };
  l.weights.resize(real.size());
  for (int c = 0; c < (per_tensor ? 1 : cout); ++c) {
    const size_t b = per_tensor ? 0 : size_t(c) * per_out;
    const size_t e = per_tensor ? real.size() : b + per_out;
    const float scale = float(max_abs(b, e) / 127);
    l.w_scales.push_back(scale);
    for (size_t i = b; i < e; ++i) {
      const double q = std::round(real[i] / double(scale));
      l.weights[i] = int8_t(std::min(127.0, std::max(-127.0, q)));
    }
  }
  if (kind == Kind::kDepthwise) {  // [c][tap] -> [tap][c]
    std::vector<int8_t> t(l.weights.size());
    for (int c = 0; c < cout; ++c)
      for (int i = 0; i < per_out; ++i) {
        t[size_t(i) * cout + c] = l.weights[size_t(c) * per_out + i];
      }
    l.weights = std::move(t);
  }
  for (int c = 0; c < cout; ++c) l.bias.push_back(0.4 * rng_.Uniform() - 0.2);
  return l;
}

// TFLite's asymmetric int8 from a real range containing 0 (ChooseQuantizationParams): scale
// (hi - lo) / 255, zero point -128 - lo / scale rounded and kept in [-128, 127].
void Net::Quantize() {
  for (Act& a : acts_) {
    if (a.fixed || a.same_as >= 0) continue;
    const double lo = a.relu6 ? 0 : std::min(a.lo, 0.0), hi = std::max(a.hi, lo + 1e-3);
    a.scale = float((hi - lo) / 255);
    const double zp = std::round(-128 - lo / double(a.scale));
    a.zero_point = a.relu6 ? -128 : int(std::min(127.0, std::max(-128.0, zp)));
  }
  for (Act& a : acts_) {
    if (a.same_as >= 0) {
      a.scale = acts_[a.same_as].scale;
      a.zero_point = acts_[a.same_as].zero_point;
    }
  }
}

void Net::Observe(int act, double lo, double hi) {
  Act& a = acts_[act];
  if (a.fixed || a.same_as >= 0) return;
  // A value on a bound may have been clamped there: widen that side, up to ReLU6's 6.
  const double q = double(a.scale);
  const double cur_lo = q * (-128 - a.zero_point), cur_hi = q * (127 - a.zero_point);
  a.lo = lo <= cur_lo + q / 2 ? 2 * lo : lo;
  a.hi = hi >= cur_hi - q / 2 ? 2 * hi : hi;
  if (a.relu6) a.hi = std::min(6.0, a.hi);
}

std::vector<uint8_t> Int8Bytes(const std::vector<int8_t>& v) {
  return std::vector<uint8_t>(v.begin(), v.end());
}

std::vector<uint8_t> Net::Build() const {
  namespace fb = ::qk::tflite_fb;
  ModelSpec m;
  for (const Act& a : acts_) {
    TensorSpec t;
    t.shape = a.shape;
    t.scales = {a.scale};
    t.zero_points = {a.zero_point};
    m.tensors.push_back(t);
  }
  auto constant = [&m](std::vector<int> shape, int8_t type, std::vector<uint8_t> data,
                       std::vector<float> scales, int qdim) {
    TensorSpec t;
    t.shape = std::move(shape);
    t.type = type;
    t.scales = std::move(scales);
    t.zero_points.assign(t.scales.size(), 0);
    t.quantized_dimension = qdim;
    t.buffer = uint32_t(m.buffers.size());
    m.buffers.push_back(std::move(data));
    m.tensors.push_back(t);
    return int(m.tensors.size()) - 1;
  };
  const int8_t kInt32 = 2;
  for (const Layer& l : layers_) {
    const Act& in = acts_[l.in[0]];
    OpSpec op;
    op.opcode_index = uint32_t(m.ops.size());  // BuildModel writes one operator code per op
    op.inputs = l.in;
    op.outputs = {l.out};
    const int8_t act = l.relu6 ? 3 : 0;  // RELU6 / NONE
    const int cout = acts_[l.out].shape.back();
    if (l.kind == Kind::kConv || l.kind == Kind::kDepthwise || l.kind == Kind::kFc) {
      const std::vector<int> wshape =
          l.kind == Kind::kConv        ? std::vector<int>{cout, l.k, l.k, in.shape[3]}
          : l.kind == Kind::kDepthwise ? std::vector<int>{1, l.k, l.k, cout}
                                       : std::vector<int>{cout, in.shape[1]};
      const int qdim = l.kind == Kind::kDepthwise ? 3 : 0;
      std::vector<int32_t> bias(cout);
      std::vector<float> bias_scales(l.w_scales.size());
      for (size_t c = 0; c < bias_scales.size(); ++c) bias_scales[c] = in.scale * l.w_scales[c];
      for (int c = 0; c < cout; ++c) {
        const double s = double(bias_scales[bias_scales.size() == 1 ? 0 : c]);
        bias[c] = int32_t(std::round(l.bias[c] / s));
      }
      op.inputs.push_back(constant(wshape, 9, Int8Bytes(l.weights), l.w_scales, qdim));
      op.inputs.push_back(constant({cout}, kInt32, Int32Bytes(bias), bias_scales, 0));
    }
    const int pad = l.same_padding ? 0 : 1, s = l.stride;
    switch (l.kind) {
      case Kind::kConv:
        op.builtin = 3;
        op.options = [=](flatbuffers::FlatBufferBuilder& f) {
          return std::make_pair(fb::BuiltinOptions_Conv2DOptions,
                                fb::CreateConv2DOptions(f, pad, s, s, act).Union());
        };
        break;
      case Kind::kDepthwise:
        op.builtin = 4;
        op.options = [=](flatbuffers::FlatBufferBuilder& f) {
          return std::make_pair(fb::BuiltinOptions_DepthwiseConv2DOptions,
                                fb::CreateDepthwiseConv2DOptions(f, pad, s, s, 1, act).Union());
        };
        break;
      case Kind::kPad:
        op.builtin = 34;
        op.inputs.push_back(constant({4, 2}, kInt32, Int32Bytes({0, 0, 0, 1, 0, 1, 0, 0}), {}, 0));
        break;
      case Kind::kAdd:
        op.builtin = 0;
        op.options = [](flatbuffers::FlatBufferBuilder& f) {
          return std::make_pair(fb::BuiltinOptions_AddOptions, fb::CreateAddOptions(f).Union());
        };
        break;
      case Kind::kMean:
        op.builtin = 40;
        op.inputs.push_back(constant({2}, kInt32, Int32Bytes({1, 2}), {}, 0));
        op.options = [](flatbuffers::FlatBufferBuilder& f) {
          return std::make_pair(fb::BuiltinOptions_ReducerOptions,
                                fb::CreateReducerOptions(f, false).Union());
        };
        break;
      case Kind::kFc:
        op.builtin = 9;
        op.options = [](flatbuffers::FlatBufferBuilder& f) {
          return std::make_pair(fb::BuiltinOptions_FullyConnectedOptions,
                                fb::CreateFullyConnectedOptions(f).Union());
        };
        break;
      case Kind::kSoftmax:
        op.builtin = 25;
        op.options = [](flatbuffers::FlatBufferBuilder& f) {
          return std::make_pair(fb::BuiltinOptions_SoftmaxOptions,
                                fb::CreateSoftmaxOptions(f, 1.f).Union());
        };
        break;
    }
    m.ops.push_back(std::move(op));
  }
  m.inputs = {0};
  m.outputs = {layers_.back().out};
  return BuildModel(m);
}

// MobileNetV2 1.0, Table 2 of the paper (see the header).
void Describe(Net* net, int size) {
  int x = net->Input(size);
  x = net->Conv(x, 32, 3, 2, true);
  const int kBlocks[7][4] = {{1, 16, 1, 1},  {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                             {6, 96, 3, 1},  {6, 160, 3, 2}, {6, 320, 1, 1}};
  for (const auto& b : kBlocks) {
    for (int i = 0; i < b[2]; ++i) {
      const int stride = i == 0 ? b[3] : 1;
      const int cin = net->acts()[x].shape[3];
      int y = b[0] == 1 ? x : net->Conv(x, cin * b[0], 1, 1, true);
      y = net->Depthwise(y, stride);
      y = net->Conv(y, b[1], 1, 1, false);
      x = stride == 1 && cin == b[1] ? net->Add(x, y) : y;
    }
  }
  x = net->Conv(x, 1280, 1, 1, true);
  x = net->Mean(x);
  x = net->Fc(x, 1000);
  net->Softmax(x);
}

}  // namespace

std::vector<uint8_t> SyntheticImage(int size, uint64_t seed) {
  Rng rng(seed ^ 0x5a5a5a5a5a5a5a5aull);
  std::vector<uint8_t> image(size_t(size) * size * 3);
  for (uint8_t& v : image) v = uint8_t(rng.Next() >> 56);
  return image;
}

bool BuildSyntheticMobileNetV2(const SyntheticMobileNetV2Options& options,
                               std::vector<uint8_t>* bytes, std::string* error) {
  if (options.size < 32 || options.size % 32 != 0) {
    *error = "size must be a positive multiple of 32";
    return false;
  }
  Net net(options.seed);
  Describe(&net, options.size);
  const std::vector<uint8_t> image = SyntheticImage(options.size, options.seed);
  for (int pass = 0; pass < options.calibration_passes; ++pass) {
    net.Quantize();
    rt::Model model;
    const std::vector<uint8_t> file = net.Build();
    if (!rt::ReadModel(file.data(), file.size(), &model, error)) return false;
    std::unique_ptr<rt::Interpreter> interp;
    rt::InterpreterOptions io;
    io.isa = Isa::kAuto;  // exact on every ISA: the calibration is the same everywhere
    if (!rt::Interpreter::Create(std::move(model), io, &interp, error)) return false;
    std::memcpy(interp->input_data(0), image.data(), image.size());
    const bool ok = interp->Invoke(error, [&](int op) {
      const int t = net.layers()[op].out;
      const Act& a = net.acts()[t];
      const int8_t* q = reinterpret_cast<const int8_t*>(interp->tensor_data(t));
      int lo = 127, hi = -128;
      for (size_t i = 0; i < interp->model().tensors[t].elements(); ++i) {
        lo = std::min<int>(lo, q[i]);
        hi = std::max<int>(hi, q[i]);
      }
      net.Observe(t, double(a.scale) * (lo - a.zero_point), double(a.scale) * (hi - a.zero_point));
    });
    if (!ok) return false;
  }
  net.Quantize();
  *bytes = net.Build();
  return true;
}

}  // namespace test
}  // namespace qk
