// The runtime's vector ops (simd.h), written once with xsimd for any architecture A. Included only
// by runtime/ops/simd_<arch>.cc, each compiled with its architecture's flags; everything here has
// internal linkage, so no copy compiled for AVX2 can be the one a baseline x86 CPU runs.
//
// Each op keeps its scalar reference's loop order and integer arithmetic, lane by lane: channels
// (pooling) or elements (ADD, QUANTIZE) go across the lanes, in int32 lanes where the reference
// computes in int32. Ragged ends go through a full-width buffer, so there is no scalar tail code.
#ifndef QKERNELS_RUNTIME_OPS_SIMD_IMPL_H_
#define QKERNELS_RUNTIME_OPS_SIMD_IMPL_H_

#include <cstring>
#include <limits>
#include <type_traits>

#include <xsimd/xsimd.hpp>

#include "runtime/ops/simd.h"

namespace qk {
namespace rt {
namespace ops {
namespace {

template <class A>
using I32 = xsimd::batch<int32_t, A>;

// n <= batch size elements of T from p, widened to int32 lanes (lanes past n are 0).
template <class A, class T>
I32<A> LoadWiden(const T* p, size_t n) {
  if (n == I32<A>::size) return I32<A>::load_unaligned(p);
  T buf[I32<A>::size] = {};
  std::memcpy(buf, p, n * sizeof(T));
  return I32<A>::load_unaligned(buf);
}

// Stores the first n lanes of v (already inside T's range) as T.
template <class A, class T>
void StoreNarrow(const I32<A>& v, T* p, size_t n) {
  if (n == I32<A>::size) return v.store_unaligned(p);
  T buf[I32<A>::size];
  v.store_unaligned(buf);
  std::memcpy(p, buf, n * sizeof(T));
}

template <class A, class T>
xsimd::batch<T, A> LoadPartial(const T* p, size_t n) {
  using B = xsimd::batch<T, A>;
  if (n == B::size) return B::load_unaligned(p);
  T buf[B::size] = {};
  std::memcpy(buf, p, n * sizeof(T));
  return B::load_unaligned(buf);
}

template <class A, class T>
void StorePartial(const xsimd::batch<T, A>& v, T* p, size_t n) {
  if (n == xsimd::batch<T, A>::size) return v.store_unaligned(p);
  T buf[xsimd::batch<T, A>::size];
  v.store_unaligned(buf);
  std::memcpy(p, buf, n * sizeof(T));
}

// SaturatingRoundingDoublingHighMul(a, b) = floor((a b + 2^30) / 2^31) (reference/requantize.cc)
// for b in [0, 2^31), from 16-bit halves in int32 lanes (xsimd has no 32x32->64 multiply).
// With a = ah 2^16 + al (ah = a >> 16, arithmetic; al in [0, 2^16)) and b = bh 2^16 + bl:
//   floor(a b / 2^16) = ah bh 2^16 + t2 + t3,  t2 = ah bl + floor(al bl / 2^16),  t3 = al bh,
// where |t2| < 2^31 and 0 <= t3 < 2^31; al bl < 2^32 is read modulo 2^32, its high half exactly.
// 2^30 is a multiple of 2^16, so floor((a b + 2^30) / 2^31) = floor((floor(a b / 2^16) + 2^14)
// / 2^15) = 2 ah bh + (t2 >> 15) + (t3 >> 15) + (((t2 & 0x7fff) + (t3 & 0x7fff) + 2^14) >> 15),
// splitting t2 + t3 (which may exceed int32) at bit 15. |2 ah bh| < 2^31, and the result fits
// int32 because b < 2^31, so the wrapping lane additions give it exactly. The one saturating
// input of the reference, a == b == INT32_MIN, cannot occur with b >= 0.
template <class A>
I32<A> DoublingHighMulNonNegative(const I32<A>& a, int32_t b) {
  const I32<A> low16(0xffff), low15(0x7fff);
  const I32<A> bh(b >> 16), bl(b & 0xffff);
  const I32<A> ah = a >> 16, al = a & low16;
  const I32<A> t1 = al * bl;
  const I32<A> t2 = ah * bl + ((t1 >> 16) & low16);
  const I32<A> t3 = al * bh;
  const I32<A> high = ah * bh;
  return (high + high) + (t2 >> 15) + (t3 >> 15) +
         (((t2 & low15) + (t3 & low15) + I32<A>(1 << 14)) >> 15);
}

// gemmlowp RoundingDivideByPOT, exponent in [0, 31]: the same mask, remainder and threshold as
// reference/requantize.cc (a negative x adds 1 to the threshold: ties round away from zero).
template <class A>
I32<A> RoundingDivideByPOT(const I32<A>& x, int exponent) {
  const int32_t mask = int32_t((int64_t(1) << exponent) - 1);
  const I32<A> zero(0), one(1);
  const I32<A> remainder = x & I32<A>(mask);
  const I32<A> threshold = I32<A>(mask >> 1) + xsimd::select(x < zero, one, zero);
  return (x >> exponent) + xsimd::select(remainder > threshold, one, zero);
}

// MultiplyByQuantizedMultiplier, double rounding, multiplier >= 0; shifts clamped into
// [-31, 30] and x << shift wrapping, both as the reference does.
template <class A>
I32<A> MultiplyByQuantizedMultiplier(I32<A> x, int32_t multiplier, int shift) {
  shift = shift < -31 ? -31 : shift > 30 ? 30 : shift;
  if (shift > 0) x = x << shift;
  return RoundingDivideByPOT<A>(DoublingHighMulNonNegative<A>(x, multiplier),
                                shift > 0 ? 0 : -shift);
}

template <class A>
I32<A> Clamp(const I32<A>& v, int32_t lo, int32_t hi) {
  return xsimd::min(xsimd::max(v, I32<A>(lo)), I32<A>(hi));
}

template <class A>
void MultiplyByQuantizedMultiplierArray(const int32_t* x, size_t n, int32_t multiplier,
                                        int shift, int32_t* out) {
  constexpr size_t kN = I32<A>::size;
  for (size_t i = 0; i < n; i += kN) {
    const size_t m = n - i < kN ? n - i : kN;
    StoreNarrow<A>(MultiplyByQuantizedMultiplier<A>(LoadWiden<A>(x + i, m), multiplier, shift),
                   out + i, m);
  }
}

// The window of output pixel (oy, ox), clipped to the image (pooling.cc's bounds).
struct Window {
  int y0, x0, fy_start, fy_end, fx_start, fx_end;
  Window(const PoolParams& p, int oy, int ox)
      : y0(oy * p.stride_h - p.pad_h), x0(ox * p.stride_w - p.pad_w) {
    fy_start = y0 < 0 ? -y0 : 0;
    fy_end = p.filter_h < p.in_h - y0 ? p.filter_h : p.in_h - y0;
    fx_start = x0 < 0 ? -x0 : 0;
    fx_end = p.filter_w < p.in_w - x0 ? p.filter_w : p.in_w - x0;
  }
};

// reference_integer_ops::MaxPool with the channels across the lanes. With fewer channels than
// lanes (mnist: 8), a full-width load or store is used wherever it stays inside the tensor: the
// extra lanes read the next pixels' inputs and write the next pixels' outputs, which are written
// again, correctly, later in this same in-order pass (input and output never overlap).
template <class A, class T>
void MaxPool(const PoolParams& p, const T* input, T* output) {
  using B = xsimd::batch<T, A>;
  const size_t channels = size_t(p.channels);
  const B lo(static_cast<T>(p.act_min)), hi(static_cast<T>(p.act_max));
  const T* const input_end = input + size_t(p.batch) * p.in_h * p.in_w * channels;
  T* const output_end = output + size_t(p.batch) * p.out_h * p.out_w * channels;
  T* out = output;
  for (int b = 0; b < p.batch; ++b) {
    const T* image = input + size_t(b) * p.in_h * p.in_w * channels;
    for (int oy = 0; oy < p.out_h; ++oy) {
      for (int ox = 0; ox < p.out_w; ++ox, out += channels) {
        const Window w(p, oy, ox);
        for (size_t c = 0; c < channels; c += B::size) {
          const size_t n = channels - c < B::size ? channels - c : B::size;
          B acc(std::numeric_limits<T>::lowest());
          for (int fy = w.fy_start; fy < w.fy_end; ++fy) {
            const T* row = image + (size_t(w.y0 + fy) * p.in_w + w.x0) * channels + c;
            for (int fx = w.fx_start; fx < w.fx_end; ++fx) {
              const T* x = row + size_t(fx) * channels;
              acc = xsimd::max(acc, x + B::size <= input_end ? B::load_unaligned(x)
                                                              : LoadPartial<A>(x, n));
            }
          }
          acc = xsimd::min(xsimd::max(acc, lo), hi);
          if (out + c + B::size <= output_end) acc.store_unaligned(out + c);
          else StorePartial<A>(acc, out + c, n);
        }
      }
    }
  }
}

// reference_integer_ops::AveragePool: int32 sums across the lanes, then the reference's division
// rounding half away from zero, lane by lane (xsimd has no integer division).
template <class A, class T>
bool AveragePool(const PoolParams& p, const T* input, T* output) {
  constexpr size_t kN = I32<A>::size;
  const size_t channels = size_t(p.channels);
  T* out = output;
  for (int b = 0; b < p.batch; ++b) {
    const T* image = input + size_t(b) * p.in_h * p.in_w * channels;
    for (int oy = 0; oy < p.out_h; ++oy) {
      for (int ox = 0; ox < p.out_w; ++ox, out += channels) {
        const Window w(p, oy, ox);
        const int rows = w.fy_end - w.fy_start, cols = w.fx_end - w.fx_start;
        if (rows <= 0 || cols <= 0) return false;
        const int32_t count = rows * cols;
        for (size_t c = 0; c < channels; c += kN) {
          const size_t n = channels - c < kN ? channels - c : kN;
          I32<A> acc(0);
          for (int fy = w.fy_start; fy < w.fy_end; ++fy) {
            const T* row = image + (size_t(w.y0 + fy) * p.in_w + w.x0) * channels + c;
            for (int fx = w.fx_start; fx < w.fx_end; ++fx) {
              acc += LoadWiden<A>(row + size_t(fx) * channels, n);
            }
          }
          alignas(A::alignment()) int32_t sums[kN];
          acc.store_aligned(sums);
          for (size_t l = 0; l < n; ++l) {
            int32_t v = sums[l] > 0 ? (sums[l] + count / 2) / count
                                    : (sums[l] - count / 2) / count;
            v = v < p.act_min ? p.act_min : v > p.act_max ? p.act_max : v;
            out[c + l] = static_cast<T>(v);
          }
        }
      }
    }
  }
  return true;
}

// n elements of x[i * stride] (stride 0: one value broadcast), widened.
template <class A, class T>
I32<A> LoadStrided(const T* x, size_t stride, size_t n) {
  if (stride == 1) return LoadWiden<A>(x, n);
  if (stride == 0) return I32<A>(int32_t(x[0]));
  int32_t buf[I32<A>::size] = {};
  for (size_t i = 0; i < n; ++i) buf[i] = x[i * stride];
  return I32<A>::load_unaligned(buf);
}

// AddImpl's per-element arithmetic (add.cc) on int32 lanes: inputs widened, output clamped.
template <class A>
I32<A> AddLanes(const AddParams& p, const I32<A>& a, const I32<A>& b) {
  const I32<A> x1 = (a + I32<A>(p.input1_offset)) << p.left_shift;
  const I32<A> x2 = (b + I32<A>(p.input2_offset)) << p.left_shift;
  const I32<A> sum = MultiplyByQuantizedMultiplier<A>(x1, p.input1_multiplier, p.input1_shift) +
                     MultiplyByQuantizedMultiplier<A>(x2, p.input2_multiplier, p.input2_shift);
  const I32<A> raw =
      MultiplyByQuantizedMultiplier<A>(sum, p.output_multiplier, p.output_shift) +
      I32<A>(p.output_offset);
  return Clamp<A>(raw, p.act_min, p.act_max);
}

// Byte k of each int32 lane, widened as T (sign- or zero-extended).
template <class A, class T>
I32<A> LaneByte(const I32<A>& v, int k) {
  if constexpr (std::is_signed<T>::value) return (v << (24 - 8 * k)) >> 24;
  return (v >> (8 * k)) & I32<A>(0xff);
}

// AddImpl's per-element arithmetic (add.cc) on one innermost row of the broadcast.
//
// Contiguous 8-bit rows go 4 * kN elements at a time without converting loads (xsimd 8 widens
// int8 -> int32 and narrows back element by element through memory, which made ADD ~4 ns per
// element): the bytes are loaded as one 8-bit vector (no int32 access to 8-bit storage),
// reinterpreted in registers as kN int32 lanes, byte k of every lane is widened, and the results
// go back to the same byte positions. Each element still gets exactly AddLanes' arithmetic; only
// which lane holds it changes.
template <class A, class T>
void AddRow(const AddParams& p, const T* in1, size_t s1, const T* in2, size_t s2, size_t len,
            T* out) {
  constexpr size_t kN = I32<A>::size;
  size_t i = 0;
  if constexpr (sizeof(T) == 1) {
    if (s1 == 1 && s2 == 1) {
      for (; i + 4 * kN <= len; i += 4 * kN) {
        const I32<A> a = xsimd::bitwise_cast<I32<A>>(xsimd::batch<T, A>::load_unaligned(in1 + i));
        const I32<A> b = xsimd::bitwise_cast<I32<A>>(xsimd::batch<T, A>::load_unaligned(in2 + i));
        I32<A> packed(0);
        for (int k = 0; k < 4; ++k) {
          const I32<A> r = AddLanes<A>(p, LaneByte<A, T>(a, k), LaneByte<A, T>(b, k));
          packed = packed | ((r & I32<A>(0xff)) << (8 * k));
        }
        xsimd::bitwise_cast<xsimd::batch<T, A>>(packed).store_unaligned(out + i);
      }
    }
  }
  for (; i < len; i += kN) {
    const size_t n = len - i < kN ? len - i : kN;
    const I32<A> r =
        AddLanes<A>(p, LoadStrided<A>(in1 + i * s1, s1, n), LoadStrided<A>(in2 + i * s2, s2, n));
    StoreNarrow<A>(r, out + i, n);
  }
}

template <class A, class T>
void Add(const AddParams& p, const T* in1, const T* in2, T* out) {
  ForEachAddRow(p, [&](size_t base1, size_t base2, size_t o) {
    AddRow<A>(p, in1 + base1, p.stride1[5], in2 + base2, p.stride2[5], size_t(p.dims[5]), out + o);
  });
}

// quantize.cc's Requantize<In, Out>: wrapping zero-point arithmetic, clamp to Out's range.
template <class A, class In, class Out>
void Requantize(const In* in, size_t n, int32_t multiplier, int shift, int32_t input_zp,
                int32_t output_zp, Out* out) {
  constexpr size_t kN = I32<A>::size;
  const I32<A> izp(input_zp), ozp(output_zp);
  for (size_t i = 0; i < n; i += kN) {
    const size_t m = n - i < kN ? n - i : kN;
    const I32<A> x = LoadWiden<A>(in + i, m) - izp;
    const I32<A> y = MultiplyByQuantizedMultiplier<A>(x, multiplier, shift) + ozp;
    StoreNarrow<A>(Clamp<A>(y, std::numeric_limits<Out>::min(), std::numeric_limits<Out>::max()),
                   out + i, m);
  }
}

template <class A>
const VecOps* MakeVecOps(const char* name) {
  static const VecOps ops = {
      name,
      &MaxPool<A, int8_t>,
      &MaxPool<A, uint8_t>,
      &AveragePool<A, int8_t>,
      &AveragePool<A, uint8_t>,
      &Add<A, int8_t>,
      &Add<A, uint8_t>,
      &Requantize<A, int8_t, int8_t>,
      &Requantize<A, int8_t, uint8_t>,
      &Requantize<A, uint8_t, int8_t>,
      &Requantize<A, uint8_t, uint8_t>,
      &MultiplyByQuantizedMultiplierArray<A>,
  };
  return &ops;
}

}  // namespace
}  // namespace ops
}  // namespace rt
}  // namespace qk

#endif  // QKERNELS_RUNTIME_OPS_SIMD_IMPL_H_
