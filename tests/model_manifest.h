// Test support: the line-based manifest.txt of a ../shared/models/<name>/ folder, parsed into
// key=value records (see ../shared/models/README.md).
#ifndef QKERNELS_TESTS_MODEL_MANIFEST_H_
#define QKERNELS_TESTS_MODEL_MANIFEST_H_

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace qk {
namespace test {

struct ManifestLine {
  std::string kind;                          // first word: "op", "tensor_info", "input", ...
  std::vector<std::string> words;            // the other words without '='
  std::map<std::string, std::string> keys;   // key=value words
};

struct Manifest {
  std::string dir;
  std::vector<ManifestLine> lines;
  std::vector<const ManifestLine*> Of(const std::string& kind) const {
    std::vector<const ManifestLine*> out;
    for (const ManifestLine& l : lines) {
      if (l.kind == kind) out.push_back(&l);
    }
    return out;
  }
  std::string Value(const std::string& kind) const {  // first word after `kind`
    for (const ManifestLine& l : lines) {
      if (l.kind == kind && !l.words.empty()) return l.words[0];
    }
    return "";
  }
};

inline bool LoadManifest(const std::string& dir, Manifest* m) {
  std::ifstream f(dir + "/manifest.txt");
  if (!f) return false;
  m->dir = dir;
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ss(line);
    ManifestLine l;
    ss >> l.kind;
    std::string w;
    while (ss >> w) {
      const size_t eq = w.find('=');
      if (eq == std::string::npos) {
        l.words.push_back(w);
      } else {
        l.keys[w.substr(0, eq)] = w.substr(eq + 1);
      }
    }
    m->lines.push_back(l);
  }
  return true;
}

inline std::vector<int> ParseInts(const std::string& s) {
  std::vector<int> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(std::stoi(item));
  }
  return out;
}

inline std::vector<uint8_t> ReadBytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

}  // namespace test
}  // namespace qk

#endif  // QKERNELS_TESTS_MODEL_MANIFEST_H_
