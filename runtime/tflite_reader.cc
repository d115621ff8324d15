// The .tflite reader: flatbuffer verification (flatc-generated verifier for our own schema subset,
// runtime/tflite_subset.fbs), then semantic checks of every index and size, then a copy into Model.
#include "runtime/tflite_reader.h"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>

#include "tflite_subset_generated.h"

namespace qk {
namespace rt {
namespace {

namespace fb = ::qk::tflite_fb;

constexpr int kMaxRank = 8;
constexpr uint64_t kMaxTensorBytes = uint64_t(1) << 31;

std::string Format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string Format(const char* fmt, ...) {
  char buf[512];
  va_list args;
  va_start(args, fmt);
  vsnprintf(buf, sizeof(buf), fmt, args);
  va_end(args);
  return buf;
}

bool Fail(std::string* error, const std::string& message) {
  if (error != nullptr) *error = message;
  return false;
}

// Which option table each known operator carries (BuiltinOptions union type).
fb::BuiltinOptions ExpectedOptions(int code) {
  switch (static_cast<OpCode>(code)) {
    case OpCode::kConv2D: return fb::BuiltinOptions_Conv2DOptions;
    case OpCode::kDepthwiseConv2D: return fb::BuiltinOptions_DepthwiseConv2DOptions;
    case OpCode::kAveragePool2D:
    case OpCode::kMaxPool2D: return fb::BuiltinOptions_Pool2DOptions;
    case OpCode::kFullyConnected: return fb::BuiltinOptions_FullyConnectedOptions;
    case OpCode::kSoftmax: return fb::BuiltinOptions_SoftmaxOptions;
    case OpCode::kConcatenation: return fb::BuiltinOptions_ConcatenationOptions;
    case OpCode::kAdd: return fb::BuiltinOptions_AddOptions;
    case OpCode::kReshape: return fb::BuiltinOptions_ReshapeOptions;
    case OpCode::kPad: return fb::BuiltinOptions_PadOptions;
    case OpCode::kTranspose: return fb::BuiltinOptions_TransposeOptions;
    case OpCode::kMean: return fb::BuiltinOptions_ReducerOptions;
    default: return fb::BuiltinOptions_NONE;
  }
}

void ReadOptions(const fb::Operator* op, OpOptions* o) {
  switch (op->builtin_options_type()) {
    case fb::BuiltinOptions_Conv2DOptions: {
      const auto* p = op->builtin_options_as_Conv2DOptions();
      o->padding = static_cast<Padding>(p->padding());
      o->stride_w = p->stride_w();
      o->stride_h = p->stride_h();
      o->activation = static_cast<Activation>(p->fused_activation_function());
      o->dilation_w = p->dilation_w_factor();
      o->dilation_h = p->dilation_h_factor();
      break;
    }
    case fb::BuiltinOptions_DepthwiseConv2DOptions: {
      const auto* p = op->builtin_options_as_DepthwiseConv2DOptions();
      o->padding = static_cast<Padding>(p->padding());
      o->stride_w = p->stride_w();
      o->stride_h = p->stride_h();
      o->depth_multiplier = p->depth_multiplier();
      o->activation = static_cast<Activation>(p->fused_activation_function());
      o->dilation_w = p->dilation_w_factor();
      o->dilation_h = p->dilation_h_factor();
      break;
    }
    case fb::BuiltinOptions_Pool2DOptions: {
      const auto* p = op->builtin_options_as_Pool2DOptions();
      o->padding = static_cast<Padding>(p->padding());
      o->stride_w = p->stride_w();
      o->stride_h = p->stride_h();
      o->filter_w = p->filter_width();
      o->filter_h = p->filter_height();
      o->activation = static_cast<Activation>(p->fused_activation_function());
      break;
    }
    case fb::BuiltinOptions_FullyConnectedOptions: {
      const auto* p = op->builtin_options_as_FullyConnectedOptions();
      o->activation = static_cast<Activation>(p->fused_activation_function());
      o->weights_format = p->weights_format();
      o->keep_num_dims = p->keep_num_dims();
      o->asymmetric_quantize_inputs = p->asymmetric_quantize_inputs();
      break;
    }
    case fb::BuiltinOptions_SoftmaxOptions:
      o->beta = op->builtin_options_as_SoftmaxOptions()->beta();
      break;
    case fb::BuiltinOptions_ConcatenationOptions: {
      const auto* p = op->builtin_options_as_ConcatenationOptions();
      o->axis = p->axis();
      o->activation = static_cast<Activation>(p->fused_activation_function());
      break;
    }
    case fb::BuiltinOptions_AddOptions: {
      const auto* p = op->builtin_options_as_AddOptions();
      o->activation = static_cast<Activation>(p->fused_activation_function());
      o->pot_scale_int16 = p->pot_scale_int16();
      break;
    }
    case fb::BuiltinOptions_ReshapeOptions: {
      const auto* p = op->builtin_options_as_ReshapeOptions();
      if (p->new_shape() != nullptr) {
        o->has_new_shape = true;
        o->new_shape.assign(p->new_shape()->begin(), p->new_shape()->end());
      }
      break;
    }
    case fb::BuiltinOptions_ReducerOptions:
      o->keep_dims = op->builtin_options_as_ReducerOptions()->keep_dims();
      break;
    default: break;
  }
}

bool ReadTensor(const fb::Tensor* t, int index, const fb::Model* model, const uint8_t* file,
                size_t file_size, Tensor* out, std::string* error) {
  const std::string where = Format("tensor %d", index);
  if (t == nullptr) return Fail(error, where + ": missing table");
  if (t->name() != nullptr) out->name = t->name()->str();
  out->type = static_cast<TensorType>(t->type());
  out->is_variable = t->is_variable();
  if (t->sparsity() != nullptr) return Fail(error, where + ": sparse tensors are not supported");
  if (t->shape() != nullptr) {
    if (t->shape()->size() > kMaxRank) {
      return Fail(error, Format("%s: rank %u above the maximum %d", where.c_str(),
                                t->shape()->size(), kMaxRank));
    }
    uint64_t elements = 1;
    for (int32_t d : *t->shape()) {
      if (d < 0) return Fail(error, Format("%s: negative dimension %d", where.c_str(), d));
      elements *= uint64_t(d);
      if (elements > kMaxTensorBytes) return Fail(error, where + ": shape too large");
      out->shape.push_back(d);
    }
  }
  if (const fb::QuantizationParameters* q = t->quantization()) {
    if (q->scale() != nullptr) out->scales.assign(q->scale()->begin(), q->scale()->end());
    if (q->zero_point() != nullptr) {
      // The verifier only guarantees 4-byte alignment of vector elements: copy each int64 out.
      const uint8_t* raw = q->zero_point()->Data();
      for (uint32_t i = 0; i < q->zero_point()->size(); ++i) {
        int64_t zp;
        std::memcpy(&zp, raw + 8 * size_t(i), 8);
        if (zp < std::numeric_limits<int32_t>::min() || zp > std::numeric_limits<int32_t>::max()) {
          return Fail(error, where + ": zero point outside int32");
        }
        out->zero_points.push_back(zp);
      }
    }
    out->quantized_dimension = q->quantized_dimension();
    const size_t ns = out->scales.size(), nz = out->zero_points.size();
    if (ns == 0 && nz > 0) return Fail(error, where + ": zero points without scales");
    if (nz > 1 && nz != ns) {
      return Fail(error, Format("%s: %zu zero points for %zu scales", where.c_str(), nz, ns));
    }
    if (ns > 1) {
      // Converters write per-channel bias tensors with the filter's quantized_dimension (e.g. 3
      // for a rank-1 depthwise bias); TFLite ignores it there, so accept one scale per element.
      const int qd = out->quantized_dimension;
      const bool in_range = qd >= 0 && qd < int(out->shape.size());
      if (!in_range && ns != out->elements()) {
        return Fail(error, Format("%s: quantized_dimension %d out of range for rank %zu",
                                  where.c_str(), qd, out->shape.size()));
      }
      if (in_range && size_t(out->shape[qd]) != ns) {
        return Fail(error, Format("%s: %zu scales but dimension %d has size %d", where.c_str(), ns,
                                  qd, out->shape[qd]));
      }
    }
  }
  const uint32_t buffer_index = t->buffer();
  const auto* buffers = model->buffers();
  const uint32_t num_buffers = buffers == nullptr ? 0 : buffers->size();
  if (buffer_index >= num_buffers) {
    // TFLite files always hold the empty buffer 0; a model without buffers can only refer to it.
    if (buffer_index == 0) return true;
    return Fail(error, Format("%s: buffer index %u out of range (%u buffers)", where.c_str(),
                              buffer_index, num_buffers));
  }
  const fb::Buffer* b = buffers->Get(buffer_index);
  if (b == nullptr) return Fail(error, Format("%s: buffer %u missing", where.c_str(), buffer_index));
  const uint8_t* bytes = nullptr;
  size_t num_bytes = 0;
  if (b->data() != nullptr && b->data()->size() > 0) {
    bytes = b->data()->data();
    num_bytes = b->data()->size();
  } else if (b->offset() > 1 && b->size() > 0) {
    // Data stored after the flatbuffer (models above 2 GB): offset is from the file start.
    if (b->offset() > file_size || b->size() > file_size - b->offset()) {
      return Fail(error, Format("%s: buffer %u [offset %llu, size %llu] beyond the file (%zu bytes)",
                                where.c_str(), buffer_index, (unsigned long long)b->offset(),
                                (unsigned long long)b->size(), file_size));
    }
    bytes = file + b->offset();
    num_bytes = size_t(b->size());
  }
  if (num_bytes == 0) return true;
  if (TensorTypeSize(out->type) == 0) {
    return Fail(error, Format("%s: constant data of unsupported type %d", where.c_str(),
                              int(t->type())));
  }
  if (num_bytes != out->bytes()) {
    return Fail(error, Format("%s: buffer %u holds %zu bytes, shape and type need %zu",
                              where.c_str(), buffer_index, num_bytes, out->bytes()));
  }
  out->data.assign(bytes, bytes + num_bytes);
  return true;
}

bool ReadIndices(const flatbuffers::Vector<int32_t>* v, int num_tensors, bool allow_absent,
                 const std::string& where, std::vector<int>* out, std::string* error) {
  if (v == nullptr) return true;
  for (int32_t i : *v) {
    if (i == -1 && allow_absent) {
      out->push_back(-1);
      continue;
    }
    if (i < 0 || i >= num_tensors) {
      return Fail(error, Format("%s: tensor index %d out of range (%d tensors)", where.c_str(), i,
                                num_tensors));
    }
    out->push_back(i);
  }
  return true;
}

bool ReadOperator(const fb::Operator* op, int index, const fb::Model* model, int num_tensors,
                  Operator* out, std::string* error) {
  const std::string where = Format("operator %d", index);
  if (op == nullptr) return Fail(error, where + ": missing table");
  const auto* codes = model->operator_codes();
  const uint32_t num_codes = codes == nullptr ? 0 : codes->size();
  if (op->opcode_index() >= num_codes) {
    return Fail(error, Format("%s: opcode index %u out of range (%u operator codes)",
                              where.c_str(), op->opcode_index(), num_codes));
  }
  const fb::OperatorCode* code = codes->Get(op->opcode_index());
  if (code == nullptr) return Fail(error, where + ": missing operator code");
  // TFLite's GetBuiltinCode: the larger of the old byte field and the new int field.
  out->builtin_code = std::max<int>(code->deprecated_builtin_code(), code->builtin_code());
  out->version = code->version();
  if (out->builtin_code == 32) {  // CUSTOM
    out->name = "CUSTOM:" + (code->custom_code() ? code->custom_code()->str() : std::string());
  } else {
    out->name = OpCodeName(out->builtin_code);
  }
  const std::string named = where + " (" + out->name + ")";
  if (!ReadIndices(op->inputs(), num_tensors, true, named + " input", &out->inputs, error) ||
      !ReadIndices(op->outputs(), num_tensors, false, named + " output", &out->outputs, error)) {
    return false;
  }
  const fb::BuiltinOptions expected = ExpectedOptions(out->builtin_code);
  const fb::BuiltinOptions actual = op->builtin_options_type();
  if (actual != fb::BuiltinOptions_NONE && expected != fb::BuiltinOptions_NONE &&
      actual != expected) {
    return Fail(error, Format("%s: builtin options of type %d, expected %d", named.c_str(),
                              int(actual), int(expected)));
  }
  out->options.has_options = actual != fb::BuiltinOptions_NONE && op->builtin_options() != nullptr;
  if (out->options.has_options) ReadOptions(op, &out->options);
  return true;
}

}  // namespace

bool ReadModel(const uint8_t* data, size_t size, Model* out, std::string* error) {
  *out = Model();
  if (data == nullptr || size < 8) return Fail(error, "not a TFLite model: file too short");
  if (size >= FLATBUFFERS_MAX_BUFFER_SIZE) return Fail(error, "model too large");
  // The verifier checks alignment relative to the buffer start; copy into an aligned buffer so the
  // accessors' loads are aligned in memory too.
  std::unique_ptr<uint64_t[]> aligned(new uint64_t[(size + 7) / 8]);
  uint8_t* buf = reinterpret_cast<uint8_t*>(aligned.get());
  std::memcpy(buf, data, size);
  if (!flatbuffers::BufferHasIdentifier(buf, fb::ModelIdentifier())) {
    return Fail(error, "not a TFLite model: file identifier is not \"TFL3\"");
  }
  flatbuffers::Verifier verifier(buf, size);
  if (!fb::VerifyModelBuffer(verifier)) {
    return Fail(error, "corrupt or truncated TFLite model: flatbuffer verification failed");
  }
  const fb::Model* model = fb::GetModel(buf);
  out->version = model->version();
  if (model->description() != nullptr) out->description = model->description()->str();
  if (model->subgraphs() == nullptr || model->subgraphs()->size() == 0 ||
      model->subgraphs()->Get(0) == nullptr) {
    return Fail(error, "model has no subgraph");
  }
  const fb::SubGraph* graph = model->subgraphs()->Get(0);
  const auto* tensors = graph->tensors();
  const int num_tensors = tensors == nullptr ? 0 : int(tensors->size());
  out->tensors.resize(num_tensors);
  for (int i = 0; i < num_tensors; ++i) {
    if (!ReadTensor(tensors->Get(i), i, model, buf, size, &out->tensors[i], error)) return false;
  }
  if (!ReadIndices(graph->inputs(), num_tensors, false, "model input", &out->inputs, error) ||
      !ReadIndices(graph->outputs(), num_tensors, false, "model output", &out->outputs, error)) {
    return false;
  }
  if (graph->operators() != nullptr) {
    out->operators.resize(graph->operators()->size());
    for (size_t i = 0; i < out->operators.size(); ++i) {
      if (!ReadOperator(graph->operators()->Get(i), int(i), model, num_tensors,
                        &out->operators[i], error)) {
        return false;
      }
    }
  }
  return true;
}

bool ReadModelFile(const std::string& path, Model* out, std::string* error) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return Fail(error, path + ": cannot open");
  std::vector<uint8_t> bytes;
  uint8_t chunk[65536];
  size_t n;
  while ((n = std::fread(chunk, 1, sizeof(chunk), f)) > 0) {
    bytes.insert(bytes.end(), chunk, chunk + n);
    if (bytes.size() >= FLATBUFFERS_MAX_BUFFER_SIZE) break;
  }
  std::fclose(f);
  if (!ReadModel(bytes.data(), bytes.size(), out, error)) {
    if (error != nullptr) *error = path + ": " + *error;
    return false;
  }
  return true;
}

}  // namespace rt
}  // namespace qk
