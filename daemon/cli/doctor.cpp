// SPDX-License-Identifier: Apache-2.0
#include "daemon/cli/doctor.hpp"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "daemon/cli/top.hpp"
#include "daemon/core/quote.hpp"

namespace cityedge::cli {
namespace {

constexpr const char* kLogs = "journalctl -u cityedged -n 50 shows the daemon's side";
// Below this the journal fills the disk before a weekend visit could help.
constexpr double kHeadroomFailHours = 24;
constexpr double kHeadroomWarnHours = 72;
constexpr double kBacklogWarnSeconds = 600;
// A row's size when the backlog is empty and cannot tell.
constexpr double kTypicalEventBytes = 200;

bool Has(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

// An error message's cause and what a field engineer does about it, first
// match wins (the uplink's own diagnosis already names DNS, TCP and TLS).
struct Cause {
  const char* marker;
  const char* finding;
  const char* next_step;
};
constexpr std::array<Cause, 15> kCauses{{
    {"DNS: cannot resolve", "the broker's host name does not resolve",
     "check the box's DNS (resolvectl status, /etc/resolv.conf) and network link, or put the "
     "broker's IP address in uplink.brokers"},
    {"connection refused", "the broker's host refused the connection: nothing listens on that port",
     "check that the broker runs and that the port in uplink.brokers is right; a firewall on the "
     "way may refuse too"},
    {"cannot reach", "the broker cannot be reached over the network",
     "check the link (ip addr, ip route, ping the broker) and any firewall or APN in between"},
    {"certificate has expired", "the broker's TLS certificate has expired",
     "the platform team must renew the broker's certificate; if the box's clock is wrong, fix it "
     "first (timedatectl)"},
    {"certificate is not yet valid",
     "the broker's TLS certificate is not valid yet at the box's time (its clock is behind, or "
     "below "
     "the last known good time)",
     "set the clock (timedatectl; check NTP reachability) and the uplink reconnects by itself"},
    {"unable to get local issuer certificate",
     "the broker's certificate is signed by a CA this box does not trust (unknown CA)",
     "install the platform's CA certificate at uplink.tls.ca_file, or check that uplink.brokers "
     "points at the platform's broker"},
    {"certificate in certificate chain",
     "the broker's certificate chain ends in a CA this box does not trust (unknown CA)",
     "install the platform's CA certificate at uplink.tls.ca_file, or check that uplink.brokers "
     "points at the platform's broker"},
    {"self-signed certificate",
     "the broker shows a self-signed certificate this box does not trust",
     "install the platform's CA certificate at uplink.tls.ca_file"},
    {"self signed certificate",
     "the broker shows a self-signed certificate this box does not trust",
     "install the platform's CA certificate at uplink.tls.ca_file"},
    {"mismatch", "the broker's certificate is for another host name",
     "use the host name the certificate names in uplink.brokers, or ask for a certificate for this "
     "name"},
    {"TLS", "the TLS handshake with the broker failed",
     "compare uplink.tls with what the broker expects (client certificate, TLS version)"},
    {"bad user name or password", "the broker refuses this gateway's credentials",
     "check uplink.username and the password file, or the client certificate, with the platform "
     "team"},
    {"banned", "the broker has banned this gateway", "ask the platform team why it was banned"},
    {"not authorised", "the broker does not allow this gateway to connect",
     "ask the platform team to allow this gateway's client id or certificate"},
    {"no CONNACK", "the broker accepted the connection but did not answer the MQTT handshake",
     "check that uplink.brokers names an MQTT port and mqtt_version suits the broker"},
}};

// MQTT 5 PUBACK reason codes a broker sends when it refuses a publish.
std::string PubackReason(int code) {
  switch (code) {
    case 0x80:
      return "unspecified error";
    case 0x83:
      return "implementation specific error";
    case 0x87:
      return "not authorised";
    case 0x90:
      return "topic name invalid";
    case 0x97:
      return "quota exceeded";
    case 0x99:
      return "payload format invalid";
    default:
      return "refused";
  }
}

const char* VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kOk:
      return "ok";
    case Verdict::kWarn:
      return "warn";
    case Verdict::kFail:
      return "FAIL";
  }
  return "?";
}

Check ConfigCheck(const ConfigFacts& c) {
  Check check{"config", Verdict::kOk, "", ""};
  if (!c.read_error.empty()) {
    check.verdict = Verdict::kWarn;
    check.finding = fmt::format("cannot read {}: {}", c.path, c.read_error);
    check.next_step = "run doctor as root (sudo cityedge doctor) or name the file with --config";
  } else if (!c.check_error.empty()) {
    check.verdict = Verdict::kFail;
    check.finding = fmt::format("{} is not valid: {}", c.path, c.check_error);
    check.next_step = fmt::format(
        "fix the problems listed (cityedged --check-config {} shows them); the daemon keeps "
        "running {} until then, but will not start on this file",
        c.path, c.running_hash.substr(0, 12));
  } else if (c.file_hash != c.running_hash) {
    check.verdict = Verdict::kFail;
    check.finding = fmt::format("{} is valid ({}) but differs from the config running ({})", c.path,
                                c.file_hash.substr(0, 12), c.running_hash.substr(0, 12));
    check.next_step = fmt::format(
        "run it with `cityedge config apply {}`, or undo the edit; otherwise the next restart "
        "changes behaviour",
        c.path);
  } else {
    check.finding =
        fmt::format("{} is valid and is what runs ({})", c.path, c.running_hash.substr(0, 12));
  }
  return check;
}

Check ClockCheck(const Snapshot& s) {
  // Below the floor the clock is wrong whatever the kernel says about
  // synchronisation, and whether or not this box trusts an unsynced clock.
  if (s.Status("clock_below_floor") == "yes") {
    return {"clock", Verdict::kFail,
            fmt::format("the wall clock reads {}, below its floor {} (a time this box has already "
                        "seen): capture times are wrong, and TLS certificates are checked at the "
                        "floor until the clock is set",
                        s.Status("clock_wall"), s.Status("clock_floor")),
            "set the clock: get NTP working (timedatectl timesync-status; UDP 123 to the time "
            "servers) or set it by hand (timedatectl set-time); if the box boots in the past "
            "again, check its RTC and the RTC's battery"};
  }
  const std::string state = s.Status("clock");
  if (state == "CLOCK_STATE_NTP") return {"clock", Verdict::kOk, "synchronised (NTP)", ""};
  if (state == "CLOCK_STATE_CORRECTED") {
    return {"clock", Verdict::kOk, "synchronised after a correction", ""};
  }
  if (state == "CLOCK_STATE_RTC") {
    return {"clock", Verdict::kWarn, "set from the battery-backed RTC, not yet synchronised",
            "check that NTP can reach its servers (timedatectl timesync-status)"};
  }
  if (s.Status("clock_unsynced_trusted") == "yes") {
    return {"clock", Verdict::kWarn,
            "not synchronised, accepted by control.trust_unsynced_clock (lab boxes only)",
            "on a field box get NTP working and remove control.trust_unsynced_clock"};
  }
  return {"clock", Verdict::kFail,
          "not synchronised: capture times may be wrong and signed commands are refused",
          "get NTP working (timedatectl; check UDP 123 to the time servers) or set the time "
          "(timedatectl set-time)"};
}

std::string Hours(double hours) {
  return hours < 10 ? fmt::format("{:.1f} h", hours) : fmt::format("{:.0f} h", hours);
}

// Headroom is measured to the journal's floor (journal.min_free_disk): there
// the journal stops growing and evicts, so that is where data starts to go.
Check DiskCheck(const Snapshot& first, const Snapshot& second) {
  Check check{"disk", Verdict::kOk, "", ""};
  const auto free = second.Metric("cityedge_disk_free_bytes");
  const std::string journal = second.Backlog("journal_path");
  const std::string dir = journal.empty() ? "the journal's folder"
                                          : std::filesystem::path(journal).parent_path().string();
  if (!free) {
    check.verdict = Verdict::kWarn;
    check.finding = "the daemon reports no free disk space (metrics unavailable)";
    check.next_step = "df -h " + dir;
    return check;
  }
  const std::string make_room = fmt::format(
      "make room on the filesystem of {0} (df -h {0}; remove what is not the journal, such as old "
      "logs or core files) or move journal.path to larger storage",
      dir);
  const double floor = second.BacklogNumber("min_free_disk");
  if (floor > 0 && *free <= floor) {
    check.verdict = Verdict::kFail;
    check.finding = fmt::format(
        "{} free, below the journal's floor of {} (journal.min_free_disk): the journal no longer "
        "grows and evicts events, telemetry first and oldest first, each eviction in a gap record",
        Bytes(*free), Bytes(floor));
    check.next_step = make_room;
    return check;
  }
  const std::string space =
      floor > 0 ? fmt::format("{} free, of which the journal keeps {} (journal.min_free_disk)",
                              Bytes(*free), Bytes(floor))
                : fmt::format("{} free", Bytes(*free));
  const double dt = static_cast<double>(second.steady_ns - first.steady_ns) / 1e9;
  const double events_per_s =
      dt > 0 ? (second.BacklogNumber("durable_seq") - first.BacklogNumber("durable_seq")) / dt : 0;
  const double rows = second.BacklogNumber("queued_rows");
  const double bytes_per_event =
      rows > 0 ? second.BacklogNumber("queued_bytes") / rows : kTypicalEventBytes;
  const double bytes_per_s = events_per_s * bytes_per_event;
  if (bytes_per_s <= 0) {
    check.finding = space + "; no events were written while doctor watched";
    return check;
  }
  const double hours = (*free - floor) / bytes_per_s / 3600;
  check.finding = fmt::format("{}: {} of headroom at {:.1f} events/s ({}/s)", space, Hours(hours),
                              events_per_s, Bytes(bytes_per_s));
  if (hours < kHeadroomFailHours) {
    check.verdict = Verdict::kFail;
    check.next_step = make_room +
                      "; once the floor is reached the journal evicts events, telemetry first, "
                      "each eviction in a gap record";
  } else if (hours < kHeadroomWarnHours) {
    check.verdict = Verdict::kWarn;
    check.next_step = "before the next visit, " + make_room;
  }
  return check;
}

Check BacklogCheck(const Snapshot& s, bool connected) {
  const double rows = s.BacklogNumber("queued_rows");
  const double age = s.Metric("cityedge_journal_oldest_backlog_age_seconds").value_or(0);
  Check check{"backlog", Verdict::kOk, "", ""};
  if (rows == 0) {
    check.finding = "empty: events go out live";
    return check;
  }
  check.finding = fmt::format("{:.0f} events wait, the oldest for {}", rows, Duration(age));
  if (age >= kBacklogWarnSeconds) {
    check.verdict = Verdict::kWarn;
    check.next_step = connected ? "it is draining; `cityedge backlog --watch` follows it"
                                : "it drains once the uplink is back (see the uplink check)";
  }
  return check;
}

// What to look at on the device of each driver type, in the words of its
// settings; a type not listed gets the general advice.
struct DeviceHint {
  const char* type;
  const char* check;
};
constexpr std::array<DeviceHint, 7> kDeviceHints{{
    {"modbus",
     "check that the Modbus device has power and answers: its network link (TCP) or RS-485 "
     "wiring (RTU), and that settings host and port (TCP) or device, baud and parity (RTU), and "
     "slave_id match it"},
    {"sdi12",
     "check the SDI-12 sensors' power and data line, the adapter at settings.device, and each "
     "sensors[].address"},
    {"pms5003", "check the particulate sensor's power and its serial cable at settings.device"},
    {"iio",
     "check that the sensor shows in /sys/bus/iio/devices (I2C wiring, kernel driver loaded) "
     "under the name in settings.device"},
    {"camera", "check the camera's power and network (ping it) and settings.source"},
    {"thermal",
     "check the thermal scanner's USB cable and settings.device (or settings.path for files)"},
    {"replay", "check that settings.path exists and the daemon may read it"},
}};

Check DriverCheck(const Row& d) {
  const std::string type = d.Cell("type");
  const std::string state = d.Cell("state");
  Check check{"driver " + d.id, Verdict::kOk, "", ""};
  if (state == "COMPONENT_STATE_ONLINE") {
    check.finding = fmt::format("{} online, {} readings, {} restarts", type, d.Cell("readings"),
                                d.Cell("restarts"));
    return check;
  }
  check.verdict = Verdict::kFail;
  const std::string reason = d.Cell("reason");
  const std::string prefix = "COMPONENT_STATE_";
  check.finding = fmt::format("{} {}{}", type,
                              state.rfind(prefix, 0) == 0 ? state.substr(prefix.size()) : state,
                              reason.empty() ? "" : ": " + reason);
  std::string device = "check the device's power, wiring or address against the settings";
  for (const DeviceHint& hint : kDeviceHints) {
    if (type == hint.type) device = hint.check;
  }
  check.next_step = fmt::format(
      "{0}; `cityedge read {1}` tries it now, `cityedge restart-driver {1}` restarts it", device,
      d.id);
  return check;
}

}  // namespace

Check UplinkCheck(const std::string& uplink, const std::string& last_error,
                  const std::string& clock_state) {
  Check check{"uplink", Verdict::kOk, uplink, ""};
  const bool connected = uplink.rfind("connected", 0) == 0;
  const std::string error = last_error == "-" ? "" : last_error;
  if (connected) {
    // A broker's ACL refuses publishes without closing the session.
    const auto at = error.find("PUBACK reason 0x");
    if (at == std::string::npos) return check;
    const int code = static_cast<int>(std::strtol(error.c_str() + at + 16, nullptr, 16));
    check.verdict = Verdict::kFail;
    check.finding = fmt::format("{}, but the broker refuses publishes: {} (reason 0x{:02x}): {}",
                                uplink, PubackReason(code), code, error);
    check.next_step =
        code == 0x87 ? "the broker's ACL must let this gateway publish under its topic prefix; "
                       "refused events are dead-lettered in the journal, not lost"
                     : "compare the topic and payload limits with the broker's settings";
    return check;
  }
  check.verdict = Verdict::kFail;
  check.finding = error.empty() ? "not connected yet" : "not connected: " + error;
  check.next_step = std::string("wait a minute and run doctor again; ") + kLogs;
  for (const Cause& cause : kCauses) {
    if (!Has(error, cause.marker)) continue;
    check.finding = fmt::format("not connected: {} ({})", cause.finding, error);
    check.next_step = cause.next_step;
    break;
  }
  if (Has(error, "not yet valid") && clock_state != "CLOCK_STATE_NTP") {
    check.next_step = "the clock is not synchronised: fix the time first (timedatectl)";
  }
  return check;
}

std::vector<Check> Diagnose(const DoctorFacts& facts) {
  std::vector<Check> checks;
  if (!facts.first) {
    const bool denied = Has(facts.daemon_error, "permission denied");
    checks.push_back({"daemon", Verdict::kFail, facts.daemon_error,
                      denied ? "add this user to group cityedge (usermod -aG cityedge USER, then "
                               "log in again) or run doctor with sudo"
                             : "start it (systemctl start cityedged); journalctl -u cityedged -n "
                               "50 says why it stopped"});
  } else {
    const Snapshot& s = facts.second ? *facts.second : *facts.first;
    checks.push_back({"daemon", Verdict::kOk,
                      fmt::format("cityedged {} running for {}, gateway {}", s.Status("version"),
                                  s.Status("uptime"), s.Status("gateway")),
                      ""});
    if (facts.config) checks.push_back(ConfigCheck(*facts.config));
    const std::string uplink = s.Status("uplink");
    checks.push_back(UplinkCheck(uplink, s.Status("uplink_last_error"), s.Status("clock")));
    checks.push_back(ClockCheck(s));
    checks.push_back(DiskCheck(*facts.first, s));
    checks.push_back(BacklogCheck(s, uplink.rfind("connected", 0) == 0));
    const std::string journal = s.Status("journal");
    if (!journal.empty() && journal != "ok") {
      checks.push_back({"journal", Verdict::kFail, journal,
                        "events are held in memory only; check the disk (dmesg, df -h) and "
                        "restart the daemon once it is fixed"});
    }
    for (const Row& d : s.drivers) checks.push_back(DriverCheck(d));
    for (const auto& [key, value] : s.status) {
      if (key.rfind("vision.", 0) != 0) continue;
      const bool alive = value.rfind("pid ", 0) == 0;
      checks.push_back({"vision worker " + key.substr(7), alive ? Verdict::kOk : Verdict::kFail,
                        value,
                        alive ? "" : "the core restarts it with backoff; " + std::string(kLogs)});
    }
  }
  const SocketFacts& sock = facts.socket;
  Check socket{"socket", Verdict::kOk, "", ""};
  if (!sock.stat_error.empty()) {
    socket.verdict = Verdict::kFail;
    socket.finding = fmt::format("{}: {}", sock.path, sock.stat_error);
    socket.next_step = "check control.socket_path and that the daemon runs";
  } else if (!sock.is_socket) {
    socket.verdict = Verdict::kFail;
    socket.finding = fmt::format("{} is not a socket", sock.path);
    socket.next_step = "remove it and restart the daemon";
  } else {
    socket.finding = fmt::format("{} mode {:04o}, owner {}, group {}", sock.path, sock.mode,
                                 sock.owner, sock.group);
    if ((sock.mode & 0007) != 0) {
      socket.verdict = Verdict::kFail;
      socket.next_step =
          "every local user can reach the control socket: restart the daemon (it creates it "
          "0660) and look for what changed the mode";
    } else if ((sock.mode & 0060) == 0) {
      socket.verdict = Verdict::kWarn;
      socket.next_step = "only root can use the CLI: check control.group";
    }
  }
  checks.push_back(socket);
  return checks;
}

bool NeedsPerson(const std::vector<Check>& checks) {
  for (const Check& c : checks) {
    if (c.verdict == Verdict::kFail) return true;
  }
  return false;
}

std::string DoctorText(const std::vector<Check>& checks) {
  std::size_t width = 0;
  for (const Check& c : checks) width = std::max(width, c.name.size());
  std::string out;
  for (const Check& c : checks) {
    out += fmt::format("{:<4}  {:<{}}  {}\n", VerdictName(c.verdict), c.name, width, c.finding);
    if (!c.next_step.empty()) {
      out += fmt::format("{:<4}  {:<{}}  -> {}\n", "", "", width, c.next_step);
    }
  }
  out += NeedsPerson(checks) ? "Something needs a person: see the FAIL lines above.\n"
                             : "Nothing needs a person.\n";
  return out;
}

std::string DoctorJson(const std::vector<Check>& checks) {
  std::string out = fmt::format("{{\"healthy\":{},\"checks\":[", !NeedsPerson(checks));
  for (std::size_t i = 0; i < checks.size(); ++i) {
    const Check& c = checks[i];
    out +=
        fmt::format("{}{{\"name\":{},\"verdict\":\"{}\",\"finding\":{},\"next_step\":{}}}",
                    i == 0 ? "" : ",", Quoted(c.name, QuoteStyle::kJson),
                    c.verdict == Verdict::kFail ? "fail" : VerdictName(c.verdict),
                    Quoted(c.finding, QuoteStyle::kJson), Quoted(c.next_step, QuoteStyle::kJson));
  }
  return out + "]}";
}

}  // namespace cityedge::cli
