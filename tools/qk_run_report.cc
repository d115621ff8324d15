// qk-run: files, the output summary, --verbose details, and the --dump / --time observer.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "isa_choice.h"
#include "qk_run.h"

namespace qkrun {
namespace {

std::string Shape(const qk_tensor_info& t) {
  std::string s = "[";
  for (int d = 0; d < t.num_dims; ++d) s += (d ? ", " : "") + std::to_string(t.dims[d]);
  return s + "]";
}

size_t Elements(const qk_tensor_info& t) {
  size_t n = 1;
  for (int d = 0; d < t.num_dims; ++d) n *= size_t(t.dims[d]);
  return n;
}

// Element i as a number, for the types a summary shows (false for the others).
bool ValueAt(const qk_tensor_info& t, const uint8_t* data, size_t i, double* v) {
  switch (t.type) {
    case QK_TENSOR_INT8:
      *v = int8_t(data[i]);
      return true;
    case QK_TENSOR_UINT8:
      *v = data[i];
      return true;
    case QK_TENSOR_INT16: {
      int16_t x;
      std::memcpy(&x, data + 2 * i, 2);
      *v = x;
      return true;
    }
    case QK_TENSOR_INT32: {
      int32_t x;
      std::memcpy(&x, data + 4 * i, 4);
      *v = x;
      return true;
    }
    case QK_TENSOR_FLOAT32: {
      float x;
      std::memcpy(&x, data + 4 * i, 4);
      *v = x;
      return true;
    }
    default:
      return false;
  }
}

bool Quantized(const qk_tensor_info& t) { return t.scale > 0 && t.type != QK_TENSOR_FLOAT32; }

// "0.99609375 (q 127)" for a quantized value (real = scale * (q - zero_point)), "0.25" otherwise.
std::string Describe(const qk_tensor_info& t, double v) {
  char buf[64];
  if (Quantized(t)) {
    std::snprintf(buf, sizeof buf, "%.6g (q %.0f)", double(t.scale) * (v - t.zero_point), v);
  } else {
    std::snprintf(buf, sizeof buf, "%.6g", v);
  }
  return buf;
}

void PrintValues(const qk_tensor_info& t, const std::vector<uint8_t>& data) {
  const size_t n = Elements(t);
  std::vector<std::pair<double, size_t>> values;  // (value, index)
  double v = 0;
  for (size_t i = 0; i < n && ValueAt(t, data.data(), i, &v); ++i) values.push_back({v, i});
  if (values.size() != n || n == 0) {
    std::printf("  (values of type %s are not shown)\n", qk_tensor_type_name(t.type));
    return;
  }
  const bool classifier = n >= 2 && (t.num_dims == 1 || (t.num_dims == 2 && t.dims[0] == 1));
  if (!classifier) {
    const auto mm = std::minmax_element(values.begin(), values.end());
    std::printf("  %zu values: min %s, max %s\n", n, Describe(t, mm.first->first).c_str(),
                Describe(t, mm.second->first).c_str());
    return;
  }
  // Highest first; the lower class index first on ties (TFLite's argmax convention).
  std::stable_sort(values.begin(), values.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  const size_t top = std::min<size_t>(5, n);
  std::printf("  top %zu of %zu classes%s:\n", top, n, Quantized(t) ? " (dequantized score)" : "");
  for (size_t k = 0; k < top; ++k) {
    std::printf("    class %-5zu %s\n", values[k].second, Describe(t, values[k].first).c_str());
  }
}

}  // namespace

std::vector<uint8_t> ReadFile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) Die(path + ": cannot open");
  std::vector<uint8_t> bytes;
  uint8_t chunk[65536];
  size_t n;
  while ((n = std::fread(chunk, 1, sizeof(chunk), f)) > 0)
    bytes.insert(bytes.end(), chunk, chunk + n);
  std::fclose(f);
  return bytes;
}

void WriteFile(const std::string& path, const void* data, size_t size) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  const bool ok = f != nullptr && std::fwrite(data, 1, size, f) == size;
  if (f != nullptr && std::fclose(f) != 0) Die(path + ": cannot write");
  if (!ok) Die(path + ": cannot write");
}

void PrintOutputSummary(const qk::Model& model) {
  for (int i = 0; i < model.num_outputs(); ++i) {
    qk_tensor_info t;
    std::vector<uint8_t> data;
    qk::Status s = model.OutputInfo(i, &t);
    if (s.ok()) s = model.GetOutput(i, &data);
    if (!s.ok()) Die(s.message());
    std::printf("output %d '%s': %s %s", i, t.name, qk_tensor_type_name(t.type), Shape(t).c_str());
    if (Quantized(t)) std::printf(", scale %g, zero point %d", double(t.scale), int(t.zero_point));
    std::printf("\n");
    PrintValues(t, data);
  }
}

void PrintModelDetails(const qk::Model& model) {
  qk_model* m = model.get();
  std::printf("isa %s, %d thread%s, arena %zu bytes, workspace %zu bytes\n",
              qk::tools::IsaLabel(static_cast<qk::Isa>(qk_model_isa(m))).c_str(),
              qk_model_threads(m), qk_model_threads(m) == 1 ? "" : "s",
              qk_model_arena_bytes(m), qk_model_workspace_bytes(m));
  for (int i = 0; i < qk_model_num_ops(m); ++i) {
    qk_op_info op;
    if (qk_model_op_info(m, i, &op) != QK_OK) Die(qk_last_error());
    std::printf("op %d %s: %s\n", i, op.name, op.kernel);
  }
}

RunObserver::RunObserver(qk_model* model, std::string dump_dir, bool time)
    : model_(model),
      dump_dir_(std::move(dump_dir)),
      time_(time),
      op_seconds_(size_t(qk_model_num_ops(model)), 0.0) {}

void RunObserver::Invoke() {
  const bool observe = time_ || !dump_dir_.empty();
  const auto t0 = std::chrono::steady_clock::now();
  const qk_status s = observe ? qk_model_invoke_observed(model_, &RunObserver::Callback, this)
                              : qk_model_invoke(model_);
  invoke_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ++invokes_;
  if (s != QK_OK) Die(qk_last_error());
}

void RunObserver::Callback(void* self, int op_index, qk_op_event event) {
  RunObserver* o = static_cast<RunObserver*>(self);
  if (event == QK_OP_BEGIN) {
    if (o->time_) o->op_start_ = std::chrono::steady_clock::now();
    return;
  }
  if (o->time_) {
    o->op_seconds_[size_t(op_index)] +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - o->op_start_).count();
  }
  if (!o->dump_dir_.empty()) o->Dump(op_index);
}

// Writes the operator's outputs as <dir>/<op>_<OPNAME>_<tensor>.bin (the goldens' naming).
void RunObserver::Dump(int op_index) const {
  qk_op_info op;
  if (qk_model_op_info(model_, op_index, &op) != QK_OK) Die(qk_last_error());
  for (int k = 0; k < op.num_outputs; ++k) {
    qk_tensor_info t;
    if (qk_model_op_output_info(model_, op_index, k, &t) != QK_OK) Die(qk_last_error());
    std::vector<uint8_t> data(t.bytes);
    if (qk_model_get_op_output(model_, op_index, k, data.data(), data.size()) != QK_OK) {
      Die(qk_last_error());
    }
    WriteFile(dump_dir_ + "/" + std::to_string(op_index) + "_" + op.name + "_" +
                  std::to_string(t.index) + ".bin",
              data.data(), data.size());
  }
}

void RunObserver::PrintTimes() const {
  double sum = 0;
  for (double s : op_seconds_) sum += s;
  const double per = 1e6 / double(invokes_);  // microseconds per invoke
  std::printf("time per operator, mean of %ld invoke%s (isa %s):\n", invokes_,
              invokes_ == 1 ? "" : "s",
              qk::tools::IsaLabel(static_cast<qk::Isa>(qk_model_isa(model_))).c_str());
  std::vector<qk_op_info> ops(op_seconds_.size());
  int name_width = 4, kernel_width = 6;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (qk_model_op_info(model_, int(i), &ops[i]) != QK_OK) Die(qk_last_error());
    name_width = std::max(name_width, int(std::strlen(ops[i].name)));
    kernel_width = std::max(kernel_width, int(std::strlen(ops[i].kernel)));
  }
  std::printf("%4s  %-*s  %-*s %10s %7s\n", "op", name_width, "name", kernel_width, "kernel", "us",
              "share");
  for (size_t i = 0; i < ops.size(); ++i) {
    std::printf("%4zu  %-*s  %-*s %10.1f %6.1f%%\n", i, name_width, ops[i].name, kernel_width,
                ops[i].kernel, op_seconds_[i] * per, sum > 0 ? 100.0 * op_seconds_[i] / sum : 0.0);
  }
  std::printf("total %.1f us per invoke (operators %.1f us, %zu operators)\n",
              invoke_seconds_ * per, sum * per, op_seconds_.size());
}

}  // namespace qkrun
