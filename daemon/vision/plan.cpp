// SPDX-License-Identifier: Apache-2.0
#include "daemon/vision/plan.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <numeric>
#include <set>

#include "daemon/vision/admission.hpp"

namespace cityedge::vision {
namespace {

// Union-find over frame driver indices.
class Groups {
 public:
  explicit Groups(std::size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), 0); }
  std::size_t Find(std::size_t i) {
    while (parent_[i] != i) i = parent_[i] = parent_[parent_[i]];
    return i;
  }
  void Join(std::size_t a, std::size_t b) { parent_[Find(a)] = Find(b); }

 private:
  std::vector<std::size_t> parent_;
};

// True when the instance turns an evidence output on (evidence_thumbnails,
// evidence_image): only then is its evidence folder writable.
bool EvidenceOn(const google::protobuf::Map<std::string, v1::SettingValue>& settings) {
  return std::any_of(settings.begin(), settings.end(), [](const auto& kv) {
    return kv.first.starts_with("evidence") &&
           kv.second.value_case() == v1::SettingValue::kBoolValue && kv.second.bool_value();
  });
}

void AddPaths(const google::protobuf::Map<std::string, v1::SettingValue>& settings,
              internal::SandboxPolicy* sandbox, std::set<std::string>* reads,
              std::set<std::string>* writes) {
  const bool evidence_on = EvidenceOn(settings);
  for (const auto& [key, value] : settings) {
    if (value.value_case() != v1::SettingValue::kStringValue) continue;
    const std::string& text = value.string_value();
    if (text.empty()) continue;
    if (text.find("://") != std::string::npos) {
      sandbox->set_network(true);
      continue;
    }
    const bool evidence = key.starts_with("evidence") && key.ends_with("_dir");
    if (evidence && !evidence_on) continue;
    // Relative paths are relative to the daemon's working directory, which
    // the worker inherits; a relative value that names nothing there is not a
    // path (an enum, a label) and is left out.
    std::error_code ec;
    std::filesystem::path path(text);
    if (path.is_relative()) {
      if (!evidence && !std::filesystem::exists(path, ec)) continue;
      path = std::filesystem::absolute(path, ec);
      if (ec) continue;
    }
    (evidence ? writes : reads)->insert(path.lexically_normal().string());
  }
}

}  // namespace

Plan SplitConfig(const v1::Config& config, const EmitsFrames& emits_frames) {
  Plan plan;
  plan.core = config;
  plan.core.clear_drivers();
  plan.core.clear_pipelines();

  std::map<std::string, std::size_t, std::less<>> frame_index;  // id -> index
  std::vector<const v1::DriverInstance*> frame_drivers;
  std::set<std::string, std::less<>> disabled_frame_drivers;
  for (const auto& d : config.drivers()) {
    if (d.enabled() && emits_frames(d.type())) {
      frame_index.emplace(d.id(), frame_drivers.size());
      frame_drivers.push_back(&d);
    } else {
      if (emits_frames(d.type())) disabled_frame_drivers.insert(d.id());
      *plan.core.add_drivers() = d;
    }
  }
  Groups groups(frame_drivers.size());
  std::vector<std::pair<const v1::PipelineInstance*, std::size_t>> worker_pipelines;
  for (const auto& p : config.pipelines()) {
    std::vector<std::size_t> reads;
    bool reads_disabled = false;
    for (const auto& input : p.inputs()) {
      if (auto it = frame_index.find(InstanceOf(input)); it != frame_index.end()) {
        reads.push_back(it->second);
      }
      reads_disabled = reads_disabled || disabled_frame_drivers.contains(InstanceOf(input));
    }
    // A pipeline whose cameras are all disabled has nothing to run on.
    if (p.enabled() && reads.empty() && reads_disabled) continue;
    if (!p.enabled() || reads.empty()) {
      *plan.core.add_pipelines() = p;
      continue;
    }
    for (std::size_t r : reads) groups.Join(r, reads.front());
    worker_pipelines.emplace_back(&p, reads.front());
  }

  std::map<std::size_t, std::size_t> worker_of_root;  // union-find root -> plan.workers index
  for (std::size_t i = 0; i < frame_drivers.size(); ++i) {
    const std::size_t root = groups.Find(i);
    auto [it, added] = worker_of_root.emplace(root, plan.workers.size());
    if (added) {
      WorkerPlan& w = plan.workers.emplace_back();
      w.name = "vision-" + frame_drivers[i]->id();
      *w.config.mutable_gateway() = config.gateway();
      *w.config.mutable_logging() = config.logging();
      w.config.set_driver_dir(config.driver_dir());
    }
    WorkerPlan& w = plan.workers[it->second];
    w.drivers.push_back(frame_drivers[i]->id());
    *w.config.add_drivers() = *frame_drivers[i];
  }
  for (const auto& [p, driver] : worker_pipelines) {
    WorkerPlan& w = plan.workers[worker_of_root.at(groups.Find(driver))];
    w.pipelines.push_back(p->id());
    *w.config.add_pipelines() = *p;
  }
  for (WorkerPlan& w : plan.workers) {
    std::set<std::string> reads;
    std::set<std::string> writes;
    for (const auto& d : w.config.drivers()) AddPaths(d.settings(), &w.sandbox, &reads, &writes);
    for (const auto& p : w.config.pipelines()) AddPaths(p.settings(), &w.sandbox, &reads, &writes);
    for (const auto& r : reads) w.sandbox.add_read_paths(r);
    for (const auto& wr : writes) w.sandbox.add_write_paths(wr);
  }
  return plan;
}

}  // namespace cityedge::vision
