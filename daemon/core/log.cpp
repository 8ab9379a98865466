// SPDX-License-Identifier: Apache-2.0
#include "daemon/core/log.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>

namespace cityedge::log {
namespace {

// sd-daemon(3) priority prefixes, so journald files each line at its level.
class SyslogPrefixFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    static constexpr std::string_view kPrefixes[] = {"<7>", "<7>", "<6>", "<4>",
                                                     "<3>", "<2>", "<6>"};
    const auto prefix = kPrefixes[static_cast<int>(msg.level)];
    dest.append(prefix.data(), prefix.data() + prefix.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<SyslogPrefixFlag>();
  }
};

}  // namespace

bool UnderJournald() {
  // systemd.exec(5): JOURNAL_STREAM is "device:inode" of the stream stderr is on.
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  struct stat st {};
  if (fstat(STDERR_FILENO, &st) != 0) return false;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(stream, "%llu:%llu", &dev, &ino) != 2) return false;
  return dev == static_cast<unsigned long long>(st.st_dev) &&
         ino == static_cast<unsigned long long>(st.st_ino);
}

Result<spdlog::level::level_enum> ParseLevel(std::string_view level) {
  if (level == "trace") return spdlog::level::trace;
  if (level == "debug") return spdlog::level::debug;
  if (level == "info") return spdlog::level::info;
  if (level == "warn") return spdlog::level::warn;
  if (level == "error") return spdlog::level::err;
  return MakeError(Code::kInvalidArgument,
                   "unknown log level \"{}\" (valid: trace, debug, info, warn, error)", level);
}

void Init(std::string_view level) {
  static const auto logger = [] {
    auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    if (UnderJournald()) {
      formatter->add_flag<SyslogPrefixFlag>('*').set_pattern("%*%n: %v");
    } else {
      formatter->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %n: %v");
    }
    sink->set_formatter(std::move(formatter));
    auto l = std::make_shared<spdlog::logger>("cityedged", sink);
    spdlog::set_default_logger(l);
    return l;
  }();
  const auto parsed = ParseLevel(level);
  logger->set_level(parsed.value_or(spdlog::level::info));
  logger->flush_on(spdlog::level::warn);
}

}  // namespace cityedge::log
