// The strict .qkv reader: valid minimal files parse into the right values, and each defect of a
// table of malformed inputs is refused with "name:line: ..." naming the offending field.
#include <gtest/gtest.h>

#include <algorithm>
#include <cfenv>
#include <cstdlib>
#include <string>
#include <vector>

#include "qkv/qkv.h"
#include "qkv/qkv_lex.h"

namespace qk {
namespace qkv {
namespace {

// Line numbers below refer to these bases (line 1 = "qkv 1").
const std::vector<std::string> kConv = {
    "qkv 1",                         // 1
    "# cases: 1",                    // 2
    "case t/p0001-conv",             // 3
    "op conv2d",                     // 4
    "activation_type int8",          // 5
    "rounding double",               // 6
    "input_shape 1 2 2 1",           // 7
    "filter_shape 1 1 1 1",          // 8
    "output_shape 1 2 2 1",          // 9
    "stride 1 1",                    // 10
    "dilation 1 1",                  // 11
    "padding VALID",                 // 12
    "pad 0 0",                       // 13
    "input_zero_point 0",            // 14
    "filter_zero_point 0",           // 15
    "output_zero_point 0",           // 16
    "input_scale 0.5",               // 17
    "filter_scale 0.5",              // 18
    "output_scale 0.25",             // 19
    "output_multiplier 1073741824",  // 20
    "output_shift 1",                // 21
    "activation_min -128",           // 22
    "activation_max 127",            // 23
    "input 1 2 3 4",                 // 24
    "filter 1",                      // 25
    "bias 7",                        // 26
    "output 8 9 10 11",              // 27
    "end",                           // 28
};

const std::vector<std::string> kDepthwise = {
    "qkv 1", "case t/p0002-dw", "op depthwise_conv2d", "activation_type uint8",
    "rounding single", "input_shape 1 3 3 2", "filter_shape 1 2 2 4",  // 7
    "output_shape 1 2 2 4", "stride 2 2", "dilation 1 1", "padding SAME", "pad 0 0",  // 12
    "depth_multiplier 2",                                                              // 13
    "input_zero_point 128", "filter_zero_point 3", "output_zero_point 255", "input_scale 0.5",
    "filter_scale 0.25", "output_scale 1", "output_multiplier 1073741824", "output_shift -2",
    "activation_min 0", "activation_max 255", "input 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17",
    "filter 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15", "bias",                          // 26
    "output 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15", "end"};

const std::vector<std::string> kFc = {
    "qkv 1", "case t/p0003-fc", "op fully_connected", "activation_type int16",
    "rounding double", "input_shape 2 3", "filter_shape 1 3", "output_shape 2 1",   // 8
    "input_zero_point 0", "filter_zero_point 0", "output_zero_point 0",             // 11
    "input_scale 0.5", "filter_scale 0.5", "output_scale 0.25",                     // 14
    "output_multiplier 1073741824", "output_shift 1", "activation_min -32768",       // 17
    "activation_max 32767", "input -32768 0 32767 1 2 3", "filter -128 0 127",      // 20
    "bias -9000000000", "output 1 2", "end"};

std::string Join(const std::vector<std::string>& lines) {
  std::string s;
  for (const std::string& l : lines) s += l + "\n";
  return s;
}

bool Parse(const std::string& text, const std::string& name, File* file, std::string* error) {
  return ParseBuffer(text.data(), text.size(), name, file, error);
}

// The number parsers give the round-to-nearest value in every rounding mode of the caller, and
// leave that mode in place; plain strtof/strtod, in the same modes, differ on some of these
// tokens (so the check is not vacuous).
TEST(QkvReader, NumbersDoNotDependOnTheRoundingMode) {
  const char* tokens[] = {"0.00859287288", "0.00577438995", "0.112342522", "0.1", "0.7",
                          "4.96186003e-05", "0.0039215688", "1e-7", "0.30000000000000004",
                          "0.0023525594640523195", "3.4028234e38"};
  std::vector<float> want_f;
  std::vector<double> want_d;
  for (const char* t : tokens) {
    want_f.push_back(std::strtof(t, nullptr));  // in the default (round-to-nearest) mode
    want_d.push_back(std::strtod(t, nullptr));
  }
  for (int mode : {FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO}) {
    ASSERT_EQ(std::fesetround(mode), 0);
    int plain_differs = 0;
    for (size_t i = 0; i < std::size(tokens); ++i) {
      float f = 0;
      double d = 0;
      const bool ok_f = lex::ParseFloat32(tokens[i], &f);
      const bool ok_d = lex::ParseDecimalDouble(tokens[i], &d);
      plain_differs += std::strtof(tokens[i], nullptr) != want_f[i];
      plain_differs += std::strtod(tokens[i], nullptr) != want_d[i];
      const int mode_after = std::fegetround();
      std::fesetround(FE_TONEAREST);  // for gtest's own printing
      ASSERT_TRUE(ok_f && ok_d) << tokens[i];
      EXPECT_EQ(f, want_f[i]) << "mode " << mode << ": " << tokens[i];
      EXPECT_EQ(d, want_d[i]) << "mode " << mode << ": " << tokens[i];
      EXPECT_EQ(mode_after, mode) << "the caller's rounding mode is restored";
      std::fesetround(mode);
    }
    std::fesetround(FE_TONEAREST);
    EXPECT_GT(plain_differs, 0) << "mode " << mode << " changes no plain conversion";
  }
}

TEST(QkvReader, MinimalConvCase) {
  File f;
  std::string error;
  ASSERT_TRUE(Parse(Join(kConv), "t.qkv", &f, &error)) << error;
  EXPECT_EQ(f.kind, FileKind::kCases);
  EXPECT_EQ(f.declared_count, 1);
  ASSERT_EQ(f.cases.size(), 1u);
  const Case& c = f.cases[0];
  EXPECT_EQ(c.id, "t/p0001-conv");
  EXPECT_EQ(c.line, 3);
  EXPECT_EQ(c.op, Op::kConv2D);
  EXPECT_EQ(c.activation_type, ActivationType::kInt8);
  EXPECT_EQ(c.rounding, RoundingMode::kDouble);
  EXPECT_EQ(c.input_shape, (std::vector<int>{1, 2, 2, 1}));
  EXPECT_EQ(c.padding, PaddingType::kValid);
  EXPECT_EQ(c.groups, 1);
  EXPECT_EQ(c.input_scale, 0.5f);
  EXPECT_EQ(c.output_scale, 0.25f);
  EXPECT_EQ(c.output_multiplier, (std::vector<int32_t>{1073741824}));
  EXPECT_EQ(c.output_shift, (std::vector<int32_t>{1}));
  EXPECT_EQ(c.input, (std::vector<int32_t>{1, 2, 3, 4}));
  EXPECT_EQ(c.bias, (std::vector<int64_t>{7}));
  EXPECT_EQ(c.output, (std::vector<int32_t>{8, 9, 10, 11}));
}

TEST(QkvReader, DepthwiseAndFullyConnectedCases) {
  File f;
  std::string error;
  ASSERT_TRUE(Parse(Join(kDepthwise), "dw.qkv", &f, &error)) << error;
  ASSERT_EQ(f.cases.size(), 1u);
  EXPECT_EQ(f.declared_count, -1);
  const Case& d = f.cases[0];
  EXPECT_EQ(d.op, Op::kDepthwiseConv2D);
  EXPECT_EQ(d.rounding, RoundingMode::kSingle);
  EXPECT_EQ(d.depth_multiplier, 2);
  EXPECT_EQ(d.padding, PaddingType::kSame);
  EXPECT_EQ(d.filter_zero_point, 3);
  EXPECT_TRUE(d.bias.empty());
  ASSERT_TRUE(Parse(Join(kFc), "fc.qkv", &f, &error)) << error;
  const Case& c = f.cases[0];
  EXPECT_EQ(c.op, Op::kFullyConnected);
  EXPECT_EQ(c.activation_type, ActivationType::kInt16);
  EXPECT_EQ(c.bias, (std::vector<int64_t>{-9000000000}));
  EXPECT_EQ(c.input.front(), -32768);
}

TEST(QkvReader, RowFilesAndKinds) {
  File f;
  std::string error;
  const std::string req = "qkv 1\n# rows: 2\nrow -2147483648 1073741824 -31 -1 0\nrow 5 0 30 0 0\n";
  ASSERT_TRUE(Parse(req, "dir/requantize.qkv", &f, &error)) << error;
  EXPECT_EQ(f.kind, FileKind::kRequantize);
  EXPECT_EQ(f.declared_count, 2);
  ASSERT_EQ(f.requantize_rows.size(), 2u);
  EXPECT_EQ(f.requantize_rows[0].x, INT32_MIN);
  EXPECT_EQ(f.requantize_rows[0].expected_double, -1);
  EXPECT_EQ(f.requantize_rows[1].line, 4);
  const std::string wide = "qkv 1\n# int64_t x\nrow -140737488355328 2147483647 7 -5 -5\n";
  ASSERT_TRUE(Parse(wide, "requantize_int64.qkv", &f, &error)) << error;
  EXPECT_EQ(f.kind, FileKind::kRequantizeInt64);
  EXPECT_EQ(f.requantize_rows[0].x, -140737488355328);
  ASSERT_TRUE(Parse(wide, "other-name.qkv", &f, &error)) << error;  // by content
  EXPECT_EQ(f.kind, FileKind::kRequantizeInt64);
  const std::string qm = "qkv 1\nrow 0x1.8p-3 0.1875 1610612736 -2 1610612736 -2\n"
                         "row 0x0p+0 0 0 0 0 0\nrow 0x1p+45 35184372088832 1073741824 46 "
                         "2147483647 30\n";
  ASSERT_TRUE(Parse(qm, "quantize_multiplier.qkv", &f, &error)) << error;
  EXPECT_EQ(f.kind, FileKind::kQuantizeMultiplier);
  ASSERT_EQ(f.quantize_rows.size(), 3u);
  EXPECT_EQ(f.quantize_rows[0].scale, 0.1875);
  EXPECT_EQ(f.quantize_rows[2].shift_double, 46);
  ASSERT_TRUE(Parse(qm, "x.qkv", &f, &error)) << error;
  EXPECT_EQ(f.kind, FileKind::kQuantizeMultiplier);
}

struct Malformed {
  const char* name;
  const std::vector<std::string>* base;
  // Edits on the base's 1-based lines, applied from the last line up: text replaces the line;
  // "-" deletes it; "+text" inserts text before it.
  std::vector<std::pair<int, std::string>> edits;
  int line;             // expected error line
  const char* field;    // expected in the message
  std::string raw = "";  // when non-empty, the whole input instead of base + edits
};

std::string Apply(const Malformed& m) {
  if (!m.raw.empty()) return m.raw;
  std::vector<std::string> lines = *m.base;
  auto edits = m.edits;
  std::sort(edits.begin(), edits.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  for (const auto& [line, text] : edits) {
    const size_t i = static_cast<size_t>(line - 1);
    if (text == "-") lines.erase(lines.begin() + i);
    else if (!text.empty() && text[0] == '+') lines.insert(lines.begin() + i, text.substr(1));
    else lines[i] = text;
  }
  return Join(lines);
}

std::vector<Malformed> MalformedInputs() {
  const auto* C = &kConv;
  const auto* D = &kDepthwise;
  const auto* F = &kFc;
  std::string no_lf = Join(kConv);
  no_lf.pop_back();
  std::string dup = Join(kConv);
  for (size_t i = 2; i < kConv.size(); ++i) dup += kConv[i] + "\n";  // same id again at line 29
  std::string mid_case = Join(kConv);
  mid_case.resize(mid_case.size() - 4);  // drops "end\n"
  return {
      {"bad_header_version", C, {{1, "qkv 2"}}, 1, "qkv 1"},
      {"header_with_cr", C, {{1, "qkv 1\r"}}, 1, "qkv 1"},
      {"empty_file", C, {}, 1, "qkv 1", "\n"},
      {"header_only", C, {}, 1, "no cases", "qkv 1\n"},
      {"cr_in_value_line", C, {{10, "stride 1 1\r"}}, 10, "CR"},
      {"tab", C, {{10, "stride\t1 1"}}, 10, "tab"},
      {"empty_line", C, {{10, "+"}}, 10, "empty line"},
      {"trailing_space", C, {{10, "stride 1 1 "}}, 10, "trailing space"},
      {"double_space", C, {{10, "stride 1  1"}}, 10, "space"},
      {"non_ascii", C, {{4, "op conv2d\xc3\xa9"}}, 4, "0xC3"},
      {"unknown_key", C, {{10, "strides 1 1"}}, 10, "strides"},
      {"missing_key", C, {{11, "-"}}, 11, "dilation"},
      {"duplicated_key", C, {{11, "+stride 1 1"}}, 11, "duplicated key 'stride'"},
      {"out_of_order", C, {{10, "dilation 1 1"}, {11, "stride 1 1"}}, 10, "stride"},
      {"key_not_for_fc", F, {{9, "+stride 1 1"}}, 9, "stride"},
      {"depth_multiplier_in_conv", C, {{14, "+depth_multiplier 1"}}, 14, "depth_multiplier"},
      {"input_count", C, {{24, "input 1 2 3"}}, 24, "input: expected 4 values"},
      {"filter_count", C, {{25, "filter 1 2"}}, 25, "filter: expected 1 value"},
      {"output_count", C, {{27, "output 8 9 10 11 12"}}, 27, "output: expected 4"},
      {"bias_count", C, {{26, "bias 1 2"}}, 26, "bias"},
      {"not_a_number", C, {{24, "input 1 2 x 4"}}, 24, "input"},
      {"trailing_junk_number", C, {{24, "input 1 2 3 4z"}}, 24, "input"},
      {"plus_sign_number", C, {{24, "input 1 +2 3 4"}}, 24, "input"},
      {"float_shape", C, {{7, "input_shape 1 2 2 1.0"}}, 7, "input_shape"},
      {"int8_out_of_range", C, {{24, "input 1 2 3 128"}}, 24, "input: value[3] = 128"},
      {"uint8_zero_point_range", C, {{5, "activation_type uint8"}, {14, "input_zero_point -1"}},
       14, "input_zero_point"},
      {"int16_zero_point_nonzero", F, {{11, "output_zero_point 1"}}, 11, "output_zero_point"},
      {"int8_filter_zero_point", C, {{15, "filter_zero_point 3"}}, 15, "filter_zero_point"},
      {"filter_out_of_range", D, {{25, "filter 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 256"}}, 25,
       "filter"},
      {"int32_bias_overflow", C, {{26, "bias 2147483648"}}, 26, "bias"},
      {"int64_overflow", F, {{21, "bias 9223372036854775808"}}, 21, "bias"},
      {"output_outside_clamp", C, {{22, "activation_min 9"}}, 27, "output: value[0]"},
      {"output_shape_geometry", C, {{9, "output_shape 1 3 2 1"}}, 9, "output_shape"},
      {"output_shape_channels", C, {{9, "output_shape 1 2 2 2"}}, 9, "output_shape"},
      {"valid_kernel_too_big", C, {{8, "filter_shape 1 3 3 1"}}, 12, "padding"},
      {"filter_channels", C, {{7, "input_shape 1 2 2 3"}, {8, "filter_shape 1 1 1 2"}}, 8,
       "filter_shape"},
      {"groups_divisibility", C, {{7, "input_shape 1 2 2 4"}, {8, "filter_shape 3 1 1 2"}}, 8,
       "groups"},
      {"depthwise_filter_first_dim", D, {{7, "filter_shape 2 2 2 4"}}, 7, "filter_shape"},
      {"depthwise_cm", D, {{13, "depth_multiplier 3"}}, 13, "depth_multiplier"},
      {"fc_depth", F, {{7, "filter_shape 1 4"}}, 7, "filter_shape"},
      {"zero_stride", C, {{10, "stride 0 1"}}, 10, "stride"},
      {"negative_dilation", C, {{11, "dilation 1 -1"}}, 11, "dilation"},
      {"pad_mismatch", C, {{13, "pad 1 0"}}, 13, "pad"},
      {"same_pad_mismatch", D, {{12, "pad 1 1"}}, 12, "pad"},
      {"padding_unknown", C, {{12, "padding FULL"}}, 12, "padding"},
      {"zero_scale", C, {{17, "input_scale 0"}}, 17, "input_scale"},
      {"negative_scale", C, {{19, "output_scale -0.25"}}, 19, "output_scale"},
      {"nan_scale", C, {{18, "filter_scale nan"}}, 18, "filter_scale"},
      {"inf_scale", C, {{18, "filter_scale 1e39"}}, 18, "filter_scale"},
      {"hex_scale", C, {{17, "input_scale 0x1p-1"}}, 17, "input_scale"},
      {"filter_scale_count", C, {{18, "filter_scale 0.5 0.5"}}, 18, "filter_scale"},
      {"uint8_per_channel", D, {{18, "filter_scale 0.25 0.25 0.25 0.25"}}, 18, "filter_scale"},
      {"multiplier_count", C, {{20, "output_multiplier 1073741824 1073741824"}}, 20,
       "output_multiplier"},
      {"multiplier_range", C, {{20, "output_multiplier 5"}}, 20, "output_multiplier"},
      {"multiplier_2_31", C, {{20, "output_multiplier 2147483648"}}, 20, "output_multiplier"},
      {"shift_range", C, {{21, "output_shift 31"}}, 21, "output_shift"},
      {"int16_shift_range", F, {{16, "output_shift 8"}}, 16, "output_shift"},
      {"activation_min_gt_max", C, {{22, "activation_min 10"}, {23, "activation_max 5"}}, 23,
       "activation_max"},
      {"activation_range", C, {{23, "activation_max 128"}}, 23, "activation_max"},
      {"shape_product_overflow", C, {{7, "input_shape 1 16777216 16777216 1"}}, 7, "input_shape"},
      {"dimension_too_big", C, {{7, "input_shape 1 99999999999999999999 1 1"}}, 7, "input_shape"},
      {"shape_rank", C, {{7, "input_shape 1 2 2"}}, 7, "input_shape"},
      {"unknown_op", C, {{4, "op conv3d"}}, 4, "op"},
      {"unknown_type", C, {{5, "activation_type int4"}}, 5, "activation_type"},
      {"unknown_rounding", C, {{6, "rounding up"}}, 6, "rounding"},
      {"case_without_end", C, {{28, "case t/p0009"}}, 28, "end"},
      {"eof_mid_case", C, {}, 27, "end of file inside case", mid_case},
      {"end_with_values", C, {{28, "end now"}}, 28, "end"},
      {"end_outside_case", C, {{3, "end"}}, 3, "end"},
      {"case_without_id", C, {{3, "case"}}, 3, "case"},
      {"duplicate_case_id", C, {}, 29, "duplicated case id", dup},
      {"missing_final_lf", C, {}, 28, "LF", no_lf},
      {"row_in_case_file", C, {{29, "+row 1 0 0 0 0"}}, 29, "row"},
      {"row_value_count", C, {}, 2, "row: expected 5", "qkv 1\nrow 1 0 0 0\n"},
      {"row_shift_range", C, {}, 2, "shift", "qkv 1\nrow 1 1073741824 31 0 0\n"},
      {"row_multiplier", C, {}, 3, "multiplier", "qkv 1\n# x\nrow 1 5 0 0 0\n"},
      {"row_x_int32_range", C, {}, 2, "x", "qkv 1\nrow 2147483648 1073741824 0 0 0\n"},
      {"row_expected_not_number", C, {}, 2, "row", "qkv 1\nrow 1 0 0 0 zero\n"},
      {"case_in_row_file", C, {}, 3, "case", "qkv 1\nrow 1 0 0 0 0\ncase x\n"},
      {"qm_decimal_mismatch", C, {}, 2, "scale_decimal",
       "qkv 1\nrow 0x1p-1 0.25 1073741824 0 1073741824 0\n"},
      {"qm_negative", C, {}, 2, "scale_hex",
       "qkv 1\nrow -0x1p-1 -0.5 1073741824 0 1073741824 0\n"},
      {"qm_not_hex", C, {}, 2, "scale_hex", "qkv 1\nrow 1.5 1.5 1610612736 1 1610612736 1\n"},
      {"qm_single_shift", C, {}, 2, "shift_single",
       "qkv 1\nrow 0x1p+45 35184372088832 1073741824 46 1073741824 46\n"},
  };
}

class QkvMalformed : public ::testing::TestWithParam<Malformed> {};

TEST_P(QkvMalformed, RefusedWithLineAndField) {
  const Malformed& m = GetParam();
  const std::string text = Apply(m);
  File f;
  std::string error;
  ASSERT_FALSE(Parse(text, "bad.qkv", &f, &error)) << m.name << " was accepted";
  const std::string where = "bad.qkv:" + std::to_string(m.line) + ": ";
  EXPECT_EQ(error.rfind(where, 0), 0u) << "expected prefix '" << where << "', got: " << error;
  EXPECT_NE(error.find(m.field), std::string::npos)
      << "expected '" << m.field << "' in: " << error;
}

INSTANTIATE_TEST_SUITE_P(Table, QkvMalformed, ::testing::ValuesIn(MalformedInputs()),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace qkv
}  // namespace qk
