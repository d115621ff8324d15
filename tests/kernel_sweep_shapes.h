// The op geometries of kernel_sweep_test: shapes around the tile edges of every kernel we know
// of (MR up to 8, NR up to 64, KR 4 with K unrolls up to 64, vectors of 16/32/64 channels).
// Add a shape here when a new kernel row's `applies` accepts none of them (the test says so).
#ifndef QKERNELS_TESTS_KERNEL_SWEEP_SHAPES_H_
#define QKERNELS_TESTS_KERNEL_SWEEP_SHAPES_H_

#include <sstream>
#include <string>
#include <vector>

#include "qkernels/ops.h"
#include "core/op_desc.h"

namespace qk {
namespace sweep {

using internal::OpKind;

// One op geometry. For depthwise, `out_c` is the depth multiplier; for FC, h = w = 1.
struct Shape {
  OpKind op;
  int batch, h, w, c, out_c;
  int kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, groups = 1;
  Padding padding = Padding::kValid;
  int pt = 0, pb = 0, pl = 0, pr = 0;
};

inline std::string ShapeName(const Shape& s) {
  std::ostringstream o;
  o << internal::OpKindName(s.op) << " n" << s.batch << " " << s.h << "x" << s.w << "x" << s.c
    << (s.op == OpKind::kDepthwiseConv2D ? " mult" : " -> ") << s.out_c << " k" << s.kh << "x"
    << s.kw << " s" << s.sh << "x" << s.sw << " d" << s.dh << "x" << s.dw << " g" << s.groups
    << " pad"
    << (s.padding == Padding::kValid ? "VALID" : s.padding == Padding::kSame ? "SAME" : "")
    << (s.padding == Padding::kExplicit
            ? std::to_string(s.pt) + "," + std::to_string(s.pb) + "," + std::to_string(s.pl) +
                  "," + std::to_string(s.pr)
            : "");
  return o.str();
}

inline Shape Conv(int batch, int h, int w, int c, int oc, int kh = 1, int kw = 1, int s = 1, int d = 1,
           int groups = 1, Padding p = Padding::kValid) {
  Shape x{OpKind::kConv2D, batch, h, w, c, oc};
  x.kh = kh, x.kw = kw, x.sh = x.sw = s, x.dh = x.dw = d, x.groups = groups, x.padding = p;
  return x;
}
inline Shape Dw(int batch, int h, int w, int c, int mult, int kh = 3, int kw = 3, int s = 1, int d = 1,
         Padding p = Padding::kSame) {
  Shape x{OpKind::kDepthwiseConv2D, batch, h, w, c, mult};
  x.kh = kh, x.kw = kw, x.sh = x.sw = s, x.dh = x.dw = d, x.padding = p;
  return x;
}
inline Shape Explicit(Shape s, int pt, int pb, int pl, int pr) {
  s.padding = Padding::kExplicit, s.pt = pt, s.pb = pb, s.pl = pl, s.pr = pr;
  return s;
}

// Shapes around the tile edges of every GEMM/dwconv kernel we know of: MR up to 8, NR up to 64,
// KR 4 with K unrolls up to 64, vectors of 16/32/64 channels.
inline std::vector<Shape> ConvShapes() {
  std::vector<Shape> v;
  const int ks[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65};
  const int ns[] = {1, 2, 3, 7, 8, 15, 16, 17, 31, 32, 33, 47, 48, 49, 63, 64, 65, 96, 129};
  const int hw[][2] = {{1, 1}, {1, 2}, {1, 3}, {2, 2}, {1, 5}, {2, 3}, {1, 7}, {2, 4}, {3, 3},
                       {1, 11}, {3, 4}, {2, 7}, {1, 17}, {5, 5}, {4, 7}, {3, 11}, {6, 7}, {9, 9}};
  // Pointwise (the direct 1x1 path): K sweep, N sweep, M sweep.
  for (int k : ks) v.push_back(Conv(1, 2, 5, k, 19));
  for (int n : ns) v.push_back(Conv(1, 3, 3, 20, n));
  for (auto& m : hw) v.push_back(Conv(1, m[0], m[1], 12, 33));
  for (int i = 0; i < 24; ++i) {  // mixed corners
    v.push_back(Conv(1 + i % 3, hw[i % 18][0], hw[i % 18][1], ks[(i * 5) % 17], ns[(i * 7) % 19]));
  }
  v.push_back(Conv(1, 30, 31, 24, 40));  // many row blocks
  v.push_back(Conv(1, 2, 3, 1000, 70));  // long K
  v.push_back(Conv(2, 4, 4, 64, 64, 1, 1, 1, 1, 4));   // grouped pointwise
  v.push_back(Conv(1, 5, 3, 9, 6, 1, 1, 1, 1, 3));
  // General convolutions (im2col).
  for (int k : ks) v.push_back(Conv(1, 4, 5, k, 17, 3, 3, 1, 1, 1, Padding::kSame));
  for (int n : ns) v.push_back(Conv(1, 5, 4, 3, n, 3, 3, 1, 1, 1, Padding::kValid));
  for (auto& m : hw) v.push_back(Conv(1, m[0] + 2, m[1] + 2, 5, 16, 3, 3));
  v.push_back(Conv(1, 7, 7, 1, 32, 3, 3));                          // MNIST-like K = 9
  v.push_back(Conv(2, 6, 6, 3, 8, 3, 3, 2, 1, 1, Padding::kSame));  // batch, stride 2
  v.push_back(Conv(1, 9, 9, 4, 5, 1, 1, 2));                        // 1x1 stride 2
  v.push_back(Conv(1, 9, 10, 3, 7, 2, 2, 3));                       // stride > kernel
  v.push_back(Conv(1, 11, 9, 2, 9, 1, 2, 4));
  v.push_back(Conv(1, 9, 9, 3, 10, 3, 3, 1, 2));                    // dilation
  v.push_back(Conv(1, 12, 11, 2, 6, 3, 2, 2, 3, 1, Padding::kSame));
  v.push_back(Conv(1, 6, 6, 6, 9, 3, 3, 1, 1, 3, Padding::kSame));  // groups
  v.push_back(Conv(3, 5, 5, 8, 8, 3, 3, 1, 1, 8, Padding::kSame));  // group = 1 channel
  v.push_back(Conv(1, 4, 4, 12, 20, 2, 2, 1, 1, 2));
  v.push_back(Explicit(Conv(1, 2, 2, 3, 17, 3, 3), 3, 3, 4, 2));    // padding > input
  v.push_back(Explicit(Conv(1, 1, 1, 5, 9, 3, 3, 2), 2, 2, 2, 2));
  v.push_back(Explicit(Conv(1, 3, 2, 4, 5, 1, 1), 1, 0, 0, 2));     // padded 1x1
  v.push_back(Conv(1, 7, 8, 5, 11, 5, 5, 1, 1, 1, Padding::kSame));
  v.push_back(Conv(1, 8, 8, 300, 70, 3, 3, 1, 1, 1, Padding::kSame));  // K = 2700
  v.push_back(Conv(1, 13, 13, 32, 64, 3, 3));
  v.push_back(Conv(1, 23, 21, 3, 32, 3, 3, 2, 1, 1, Padding::kSame));
  v.push_back(Conv(2, 20, 20, 16, 24, 3, 3, 1, 1, 1, Padding::kSame));  // M = 800
  // Taps read from a padded image (whole 4-byte tap runs): unequal strides and dilations,
  // padding on one side larger than the kernel, several batch items and row blocks.
  auto uneven = [](Shape x, int sh, int sw, int dh, int dw) {
    x.sh = sh, x.sw = sw, x.dh = dh, x.dw = dw;
    return x;
  };
  v.push_back(uneven(Conv(1, 11, 12, 4, 20, 3, 3, 1, 1, 1, Padding::kSame), 1, 2, 2, 1));
  v.push_back(uneven(Conv(2, 12, 9, 8, 33, 3, 2, 1, 1, 1, Padding::kSame), 2, 1, 1, 3));
  v.push_back(Explicit(Conv(3, 5, 6, 4, 65, 3, 3), 4, 0, 1, 5));
  v.push_back(Conv(2, 30, 30, 64, 16, 3, 3, 1, 1, 1, Padding::kSame));  // row blocks < pixels
  v.push_back(uneven(Conv(1, 14, 13, 1, 24, 3, 3, 1, 1, 1, Padding::kSame), 2, 1, 1, 2));
  // Small K, narrow N, many pixels (direct first-layer kernels: several pixels per vector,
  // full and partial pixel tiles, interior and border pixels).
  v.push_back(Conv(1, 11, 13, 1, 7, 3, 3, 1, 1, 1, Padding::kSame));
  v.push_back(Conv(1, 12, 10, 2, 3, 3, 3, 2, 1, 1, Padding::kSame));
  v.push_back(Conv(1, 9, 11, 3, 12, 3, 3, 1, 1, 1, Padding::kSame));
  v.push_back(Conv(2, 10, 9, 2, 20, 3, 3, 1, 1, 1, Padding::kValid));
  // Wide images whose padded rows exceed one 16 KiB band of the direct kernels: several bands,
  // a shorter last band, tiles ending mid-row at a band's end; a band of one output row whose
  // padded rows alone exceed 16 KiB; row dilation across bands.
  v.push_back(Conv(2, 40, 150, 3, 32, 3, 3, 2, 1, 1, Padding::kSame));
  v.push_back(Conv(1, 30, 700, 1, 8, 3, 3, 1, 1, 1, Padding::kSame));
  v.push_back(Conv(1, 5, 3000, 3, 32, 3, 3, 2, 1, 1, Padding::kSame));
  v.push_back(uneven(Conv(1, 40, 300, 2, 16, 3, 3, 1, 1, 1, Padding::kSame), 1, 1, 2, 1));
  return v;
}

inline std::vector<Shape> DepthwiseShapes() {
  std::vector<Shape> v;
  for (int c = 1; c <= 65; ++c) v.push_back(Dw(1, 5, 4, c, 1 + c % 3));
  const int cs[] = {1, 3, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 128, 129};
  for (int c : cs) {
    v.push_back(Dw(1, 6, 7, c, 1, 3, 3, 2));
    v.push_back(Dw(2, 4, 5, c, 2, 3, 3, 1, 1, Padding::kValid));
    v.push_back(Dw(1, 9, 8, c, 1, 5, 5, 1, 2));
    v.push_back(Dw(1, 3, 9, c, 3, 1, 3, 1));
  }
  v.push_back(Dw(1, 7, 7, 16, 1, 1, 1));                              // 1x1 taps
  v.push_back(Dw(1, 10, 11, 24, 1, 2, 2, 3, 1, Padding::kValid));     // stride > kernel
  v.push_back(Dw(1, 10, 10, 20, 2, 3, 3, 2, 3));                      // dilation 3, stride 2
  // 17x17 = 289 taps: more than one block of taps where a kernel sums taps in blocks (int16x8
  // NEON: 256 per exact int32 partial sum), an odd count, a partial channel chunk.
  v.push_back(Dw(1, 18, 17, 6, 1, 17, 17, 1, 1, Padding::kValid));
  v.push_back(Explicit(Dw(1, 2, 3, 33, 1, 3, 3), 3, 4, 3, 3));        // padding > input
  v.push_back(Explicit(Dw(1, 1, 1, 40, 2, 5, 5), 2, 2, 2, 2));
  v.push_back(Dw(3, 8, 8, 48, 1, 3, 3, 1, 1, Padding::kSame));
  v.push_back(Dw(1, 20, 20, 64, 1, 3, 3, 1, 1, Padding::kSame));
  v.push_back(Dw(1, 6, 9, 32, 1, 3, 3, 1, 1, Padding::kSame));       // 32c column-pair path
  v.push_back(Dw(2, 12, 13, 32, 1, 3, 3, 1, 1, Padding::kValid));
  v.push_back(Dw(1, 9, 11, 128, 1, 3, 3, 1, 1, Padding::kSame));     // 64c column path
  v.push_back(Dw(1, 15, 15, 96, 1, 3, 3, 2, 1, Padding::kSame));
  v.push_back(Dw(1, 9, 9, 7, 1, 7, 7, 1, 1, Padding::kSame));
  return v;
}

inline std::vector<Shape> FullyConnectedShapes() {
  std::vector<Shape> v;
  const int ds[] = {1, 2, 3, 4, 5, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 255, 256, 257, 1000};
  const int os[] = {1, 2, 7, 15, 16, 17, 33, 48, 64, 65, 100};
  const int bs[] = {1, 2, 3, 5, 8, 9, 17};
  for (int d : ds) v.push_back({OpKind::kFullyConnected, 1, 1, 1, d, 37});
  for (int o : os) v.push_back({OpKind::kFullyConnected, 1, 1, 1, 70, o});
  for (int b : bs) v.push_back({OpKind::kFullyConnected, b, 1, 1, 45, 33});
  for (int i = 0; i < 40; ++i) {
    v.push_back({OpKind::kFullyConnected, bs[i % 7], 1, 1, ds[(i * 3) % 19], os[(i * 5) % 11]});
  }
  v.push_back({OpKind::kFullyConnected, 1, 1, 1, 2048, 300});
  v.push_back({OpKind::kFullyConnected, 4, 1, 1, 1024, 129});
  return v;
}

inline std::vector<Shape> ShapesFor(OpKind op) {
  switch (op) {
    case OpKind::kConv2D: return ConvShapes();
    case OpKind::kDepthwiseConv2D: return DepthwiseShapes();
    default: return FullyConnectedShapes();
  }
}

}  // namespace sweep
}  // namespace qk

#endif  // QKERNELS_TESTS_KERNEL_SWEEP_SHAPES_H_
