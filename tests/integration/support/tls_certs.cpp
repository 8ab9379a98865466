// SPDX-License-Identifier: Apache-2.0
#include "tests/integration/support/tls_certs.hpp"

#include <fstream>

#include "tests/support/process.hpp"

namespace cityedge::testing {
namespace {

Status Run(const std::vector<std::string>& argv, const std::string& log) {
  auto process = Process::Spawn(argv, false, log);
  if (!process) return std::unexpected(process.error());
  const auto rc = process->Wait(std::chrono::seconds(60));
  if (!rc || *rc != 0) {
    return MakeError(Code::kInternal, "'{} {}' failed; see {}", argv[0], argv[1], log);
  }
  return OkStatus();
}

Status MakeCa(const std::string& dir, const std::string& name, const std::string& log) {
  return Run(
      {"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj",
       "/CN=" + name, "-keyout", dir + "/" + name + ".key", "-out", dir + "/" + name + ".crt"},
      log);
}

// `openssl ca` is the one openssl tool that takes explicit validity dates,
// which the expired certificate needs.
Status WriteCaConfig(const std::string& dir) {
  std::ofstream(dir + "/index.txt").close();
  std::ofstream(dir + "/serial") << "1000\n";
  std::ofstream conf(dir + "/ca.cnf");
  conf << "[ca]\ndefault_ca = test_ca\n[test_ca]\ndir = " << dir << "\n"
       << "database = $dir/index.txt\nserial = $dir/serial\nnew_certs_dir = $dir\n"
       << "certificate = $dir/ca.crt\nprivate_key = $dir/ca.key\ndefault_md = sha256\n"
       << "policy = any\ncopy_extensions = copy\nunique_subject = no\n"
       << "[any]\ncommonName = supplied\n";
  return conf ? OkStatus() : MakeError(Code::kInternal, "cannot write {}/ca.cnf", dir);
}

Status MakeLeaf(const std::string& dir, const std::string& name, const std::string& cn,
                const std::string& san, const std::string& start, const std::string& end,
                const std::string& log) {
  const std::string key = dir + "/" + name + ".key";
  const std::string csr = dir + "/" + name + ".csr";
  std::vector<std::string> req = {"/usr/bin/openssl", "req",    "-new",  "-newkey",
                                  "rsa:2048",         "-nodes", "-subj", "/CN=" + cn,
                                  "-keyout",          key,      "-out",  csr};
  if (!san.empty()) {
    req.push_back("-addext");
    req.push_back("subjectAltName=" + san);
  }
  if (Status made = Run(req, log); !made) return made;
  return Run({"/usr/bin/openssl", "ca", "-batch", "-config", dir + "/ca.cnf", "-startdate", start,
              "-enddate", end, "-in", csr, "-out", dir + "/" + name + ".crt", "-notext"},
             log);
}

}  // namespace

Result<TestPki> MakeTestPki(const std::string& dir) {
  const std::string log = dir + "/openssl.log";
  const std::string from = "20200101000000Z";
  const std::string until = "20991231000000Z";
  for (Status step : {MakeCa(dir, "ca", log), MakeCa(dir, "other_ca", log), WriteCaConfig(dir)}) {
    if (!step) return std::unexpected(step.error());
  }
  for (Status step :
       {MakeLeaf(dir, "server", "localhost", "DNS:localhost,IP:127.0.0.1", from, until, log),
        MakeLeaf(dir, "wrong_host", "wrong.example", "DNS:wrong.example", from, until, log),
        MakeLeaf(dir, "expired", "localhost", "DNS:localhost,IP:127.0.0.1", from, "20200201000000Z",
                 log),
        MakeLeaf(dir, "client", "gw1", "", from, until, log)}) {
    if (!step) return std::unexpected(step.error());
  }
  return TestPki{dir + "/ca.crt",     dir + "/other_ca.crt",   dir + "/server.crt",
                 dir + "/server.key", dir + "/wrong_host.crt", dir + "/expired.crt",
                 dir + "/client.crt", dir + "/client.key"};
}

}  // namespace cityedge::testing
