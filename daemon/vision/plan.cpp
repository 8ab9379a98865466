#include "daemon/vision/plan.hpp"

#include <algorithm>
#include <map>
#include <numeric>
#include <set>

namespace cityedge::vision {
namespace {

std::string_view InstanceOf(std::string_view input) {
  return input.substr(0, input.find('/'));
}

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

void AddPaths(const google::protobuf::Map<std::string, v1::SettingValue>& settings,
              internal::SandboxPolicy* sandbox, std::set<std::string>* reads,
              std::set<std::string>* writes) {
  // An evidence folder is filled in with its default (people_count's lies in
  // the state folder, which the sandbox refuses) even where no evidence is
  // written: granted only when an evidence switch of the instance is on.
  bool writes_evidence = false;
  for (const auto& [key, value] : settings) {
    writes_evidence = writes_evidence || (key.starts_with("evidence") &&
                                          value.value_case() == v1::SettingValue::kBoolValue &&
                                          value.bool_value());
  }
  for (const auto& [key, value] : settings) {
    if (value.value_case() != v1::SettingValue::kStringValue) continue;
    const std::string& text = value.string_value();
    if (text.find("://") != std::string::npos) sandbox->set_network(true);
    if (text.empty() || text.front() != '/') continue;
    const bool evidence = key.starts_with("evidence") && key.ends_with("_dir");
    if (evidence && !writes_evidence) continue;
    (evidence ? writes : reads)->insert(text);
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
  for (const auto& d : config.drivers()) {
    if (d.enabled() && emits_frames(d.type())) {
      frame_index.emplace(d.id(), frame_drivers.size());
      frame_drivers.push_back(&d);
    } else {
      *plan.core.add_drivers() = d;
    }
  }
  Groups groups(frame_drivers.size());
  std::vector<std::pair<const v1::PipelineInstance*, std::size_t>> worker_pipelines;
  for (const auto& p : config.pipelines()) {
    std::vector<std::size_t> reads;
    for (const auto& input : p.inputs()) {
      if (auto it = frame_index.find(InstanceOf(input)); it != frame_index.end()) {
        reads.push_back(it->second);
      }
    }
    if (!p.enabled() || reads.empty()) {
      // A vision pipeline with no camera input has nothing to run on; it
      // stays where validation already reported it.
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
