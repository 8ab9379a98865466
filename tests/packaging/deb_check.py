#!/usr/bin/env python3
"""Checks of the install layout and the .deb built from a build tree.

  deb_check.py deb BUILD_DIR --arch ARCH --version V [--cli] [--emulator CMD]
      Runs cpack -G DEB from BUILD_DIR into a scratch folder, then checks the
      package: its control fields (dpkg-deb -I: name, architecture, library
      Depends, conffiles, maintainer scripts), its file list (dpkg-deb -c: the
      FHS layout, nothing else), and the unpacked files (dpkg-deb -x into a
      scratch root): the unit as shipped, `cityedged --version`, `cityedged
      --check-config` on the shipped config, and systemd-sysusers and
      systemd-tmpfiles --root creating the user and folders as postinst would.
      With --emulator the unpacked ARM binary runs through it (qemu-user).

  deb_check.py install BUILD_DIR [--emulator CMD]
      `cmake --install BUILD_DIR --prefix <scratch>`: with a prefix other than
      /usr everything lands under it, and the installed unit names the binary
      and the config where they were installed.
"""
import argparse
import glob
import os
import pathlib
import re
import shlex
import stat
import subprocess
import sys
import tempfile

# Paths every package holds (dpkg-deb -c prints them as ./path).
EXPECTED_FILES = {
    "usr/bin/cityedged": 0o755,
    "etc/cityedge/cityedged.yaml": 0o644,
    "usr/lib/systemd/system/cityedged.service": 0o644,
    "usr/lib/sysusers.d/cityedge.conf": 0o644,
    "usr/lib/tmpfiles.d/cityedge.conf": 0o644,
    "usr/share/doc/cityedge/operator-guide.md": 0o644,
    "usr/share/doc/cityedge/cityedged.example.yaml": 0o644,
}
ALLOWED_PREFIXES = ("etc/cityedge", "usr/bin", "usr/lib/cityedge/drivers", "usr/lib/systemd/system",
                    "usr/lib/sysusers.d", "usr/lib/tmpfiles.d", "usr/share/doc/cityedge")
# Libraries the daemon links; each must appear in Depends (by package name).
REQUIRED_DEPENDS = ("libc6", "libstdc++6", "libpaho-mqtt1.3", "libpaho-mqttpp3", "libsqlite3-0",
                    "libprotobuf32", "libyaml-cpp0.7", "libspdlog1.10", "libfmt9", "libsystemd0",
                    "libssl3", "systemd")


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def run(argv, check=True, **kwargs):
    result = subprocess.run(argv, capture_output=True, text=True, timeout=600, **kwargs)
    if check and result.returncode != 0:
        fail(f"{shlex.join(argv)} exited {result.returncode}:\n{result.stdout}{result.stderr}")
    return result


def build_deb(build_dir, out_dir):
    run(["cpack", "--config", os.path.join(build_dir, "CPackConfig.cmake"), "-G", "DEB",
         "-B", out_dir])
    debs = glob.glob(os.path.join(out_dir, "*.deb"))
    if len(debs) != 1:
        fail(f"cpack made {len(debs)} .deb files in {out_dir}, expected 1")
    print(f"built {os.path.basename(debs[0])}")
    return debs[0]


def control_fields(deb):
    text = run(["dpkg-deb", "-f", deb]).stdout
    fields, key = {}, None
    for line in text.splitlines():
        if line.startswith(" ") and key:
            fields[key] += "\n" + line.strip()
        else:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def check_control(deb, arch, version):
    info = run(["dpkg-deb", "-I", deb]).stdout
    print(info)
    fields = control_fields(deb)
    for key, want in (("Package", "cityedge"), ("Architecture", arch), ("Version", version)):
        if fields.get(key) != want:
            fail(f"control field {key} is {fields.get(key)!r}, expected {want!r}")
    depends = {d.strip().split(" ")[0] for d in fields.get("Depends", "").split(",")}
    missing = [p for p in REQUIRED_DEPENDS if not any(d.startswith(p) for d in depends)]
    if missing:
        fail(f"Depends lacks {', '.join(missing)}: {fields.get('Depends')}")
    conffiles = run(["dpkg-deb", "-I", deb, "conffiles"]).stdout.split()
    if conffiles != ["/etc/cityedge/cityedged.yaml"]:
        fail(f"conffiles are {conffiles}, expected /etc/cityedge/cityedged.yaml only")
    for script in ("postinst", "prerm", "postrm"):
        if not re.search(rf"^\s*\d+ bytes,\s+\d+ lines\s+\*\s+{script}\b", info, re.M):
            fail(f"{script} missing or not executable in the control archive")


def check_file_list(deb):
    listing = run(["dpkg-deb", "-c", deb]).stdout
    entries = {}
    for line in listing.splitlines():
        parts = line.split(None, 5)
        if len(parts) < 6:
            continue
        mode, owner, path = parts[0], parts[1], parts[5].split(" -> ")[0]
        path = path.removeprefix("./").rstrip("/")
        if path:
            entries[path] = (mode, owner)
    for path, want in EXPECTED_FILES.items():
        if path not in entries:
            fail(f"{path} is not in the package:\n{listing}")
        mode, owner = entries[path]
        if owner != "root/root":
            fail(f"{path} is owned by {owner}, expected root/root")
        bits = sum(1 << (8 - i) for i, c in enumerate(mode[1:10]) if c != "-")
        if bits != want:
            fail(f"{path} has mode {mode}, expected {oct(want)}")
    stray = [p for p, (mode, _) in entries.items() if not mode.startswith("d") and
             not p.startswith(ALLOWED_PREFIXES)]
    if stray:
        fail(f"files outside the FHS layout: {stray}")
    drivers = [p for p in entries if p.startswith("usr/lib/cityedge/drivers/")]
    if any(not p.endswith(".so") for p in drivers):
        fail(f"non-plugin files in the driver folder: {drivers}")
    print(f"{len(entries)} entries, drivers: {drivers or 'none'}")
    return entries


def with_emulator(emulator, argv):
    return shlex.split(emulator) + argv if emulator else argv


def check_unpacked(deb, source_dir, version, emulator, cli):
    with tempfile.TemporaryDirectory() as root:
        run(["dpkg-deb", "-x", deb, root])
        unit = pathlib.Path(root, "usr/lib/systemd/system/cityedged.service").read_text()
        source_unit = pathlib.Path(source_dir, "systemd/cityedged.service").read_text()
        if unit != source_unit:
            fail("the packaged unit differs from systemd/cityedged.service")
        daemon = os.path.join(root, "usr/bin/cityedged")
        out = run(with_emulator(emulator, [daemon, "--version"])).stdout
        if version not in out:
            fail(f"cityedged --version says {out!r}, expected {version}")
        config = os.path.join(root, "etc/cityedge/cityedged.yaml")
        result = run(with_emulator(emulator, [daemon, "--check-config", config]), check=False)
        print(result.stdout + result.stderr)
        if result.returncode != 0:
            fail(f"the packaged config fails --check-config (exit {result.returncode})")
        if cli:
            cli_bin = os.path.join(root, "usr/bin/cityedge")
            result = run(with_emulator(emulator, [cli_bin, "--help"]), check=False)
            if result.returncode != 0:
                fail(f"cityedge --help exited {result.returncode}: {result.stderr}")
        check_users_and_folders(root)


def check_users_and_folders(root):
    """What postinst does, against the scratch root instead of the host."""
    run(["systemd-sysusers", f"--root={root}", f"{root}/usr/lib/sysusers.d/cityedge.conf"])
    users = {l.split(":")[0]: l.split(":") for l in
             pathlib.Path(root, "etc/passwd").read_text().splitlines()}
    groups = {l.split(":")[0]: l.split(":") for l in
              pathlib.Path(root, "etc/group").read_text().splitlines()}
    for group in ("cityedge", "cityedge-admin", "video", "dialout"):
        if group not in groups:
            fail(f"systemd-sysusers did not create group {group}")
    if "cityedge" not in users or not users["cityedge"][6].endswith("nologin"):
        fail(f"user cityedge missing or has a login shell: {users.get('cityedge')}")
    for group in ("video", "dialout"):
        if "cityedge" not in groups[group][3].split(","):
            fail(f"cityedge is not a member of {group}")
    run(["systemd-tmpfiles", "--create", f"--root={root}", f"{root}/usr/lib/tmpfiles.d/cityedge.conf"])
    uid, gid = int(users["cityedge"][2]), int(groups["cityedge"][2])
    for folder, owner in (("var/lib/cityedge", uid), ("run/cityedge", uid), ("etc/cityedge", 0)):
        st = os.stat(os.path.join(root, folder))
        if stat.S_IMODE(st.st_mode) != 0o750 or st.st_uid != owner or st.st_gid != gid:
            fail(f"/{folder}: mode {oct(stat.S_IMODE(st.st_mode))} owner {st.st_uid}:{st.st_gid}, "
                 f"expected 0o750 {owner}:{gid}")
    print("sysusers and tmpfiles: ok")


def cmd_deb(args):
    for script in glob.glob(os.path.join(args.source, "packaging/deb/*")):
        run(["sh", "-n", script])
    with tempfile.TemporaryDirectory() as out_dir:
        deb = build_deb(args.build_dir, out_dir)
        check_control(deb, args.arch, args.version)
        entries = check_file_list(deb)
        if args.cli and "usr/bin/cityedge" not in entries:
            fail("the cityedge CLI is not in the package")
        check_unpacked(deb, args.source, args.version, args.emulator, args.cli)
    print("deb: ok")


def cmd_install(args):
    with tempfile.TemporaryDirectory() as prefix:
        run(["cmake", "--install", args.build_dir, "--prefix", prefix])
        for path in ("bin/cityedged", "etc/cityedge/cityedged.yaml",
                     "lib/systemd/system/cityedged.service", "lib/sysusers.d/cityedge.conf",
                     "lib/tmpfiles.d/cityedge.conf", "share/doc/cityedge/operator-guide.md"):
            if not os.path.isfile(os.path.join(prefix, path)):
                fail(f"{path} is not under the prefix {prefix}")
        unit = pathlib.Path(prefix, "lib/systemd/system/cityedged.service").read_text()
        want = f"ExecStart={prefix}/bin/cityedged --config {prefix}/etc/cityedge/cityedged.yaml"
        if want not in unit:
            fail(f"the installed unit does not run the installed daemon: expected {want!r}")
        if "/usr/bin/cityedged" in unit:
            fail("the installed unit still names /usr/bin/cityedged")
        result = run(with_emulator(args.emulator, [
            os.path.join(prefix, "bin/cityedged"), "--check-config",
            os.path.join(prefix, "etc/cityedge/cityedged.yaml")]), check=False)
        if result.returncode != 0:
            fail(f"installed config fails --check-config:\n{result.stdout}{result.stderr}")
    print("install: ok")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("deb")
    p.add_argument("build_dir")
    p.add_argument("--source", required=True)
    p.add_argument("--arch", required=True)
    p.add_argument("--version", required=True)
    p.add_argument("--cli", action="store_true")
    p.add_argument("--emulator", default="")
    p.set_defaults(func=cmd_deb)
    p = sub.add_parser("install")
    p.add_argument("build_dir")
    p.add_argument("--emulator", default="")
    p.set_defaults(func=cmd_install)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
