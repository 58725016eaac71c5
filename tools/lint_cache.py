#!/usr/bin/env python3
"""The record of clean clang-tidy runs, tools/lint-clean.txt, and the keys in it.

    tools/lint_cache.py stale BUILD_DIR ROOT JOBS KEYS [--all] < files
        (absolute source paths, one a line) writes "KEY<TAB>PATH" for each file to the
        file KEYS (PATH relative to ROOT) and prints the files not on record (--all:
        every file), the ones clang-tidy must analyse;
    tools/lint_cache.py record ROOT KEYS
        after a clean run: the files in KEYS go on record with those keys; other
        files' entries stay, those of files that no longer exist go.

A key is the SHA-256 of
everything clang-tidy's result on the file depends on:
  - the clang-tidy version and the .clang-tidy configuration;
  - the file's compile command (source and build paths written as @ROOT@ / @BUILD@,
    the object file left out);
  - the path and the bytes of every file the preprocessor opens for it (clang -M:
    our headers and the system's alike), comments included, so a new NOLINT or a
    package update counts as a change.
tools/lint.sh keeps the keys of a clean clang-tidy run in tools/lint-clean.txt and
analyses only the files whose key is not there: an unchanged file is not analysed
twice, any change to it, to a header it includes, to its flags or to the checks
analyses it again. The keys name no machine or checkout, so the file a developer
commits after a clean run spares CI's clean clone that work.
"""

import concurrent.futures
import hashlib
import json
import os
import shlex
import subprocess
import sys


def normalise(text, build, root):
    # The build tree usually sits inside the checkout: replace the longer path first.
    return text.replace(build, "@BUILD@").replace(root, "@ROOT@")


def command_of(entry):
    if "arguments" in entry:
        return list(entry["arguments"])
    return shlex.split(entry["command"])


def without_output(args):
    """The compile command minus `-o OBJECT` and `-c` (neither changes the analysis)."""
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
            continue
        if a == "-o":
            skip = True
            continue
        if a == "-c" or a.startswith("-o"):
            continue
        out.append(a)
    return out


class Hasher:
    def __init__(self):
        self.cache = {}

    def file(self, path):
        digest = self.cache.get(path)
        if digest is None:
            with open(path, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            self.cache[path] = digest
        return digest


def dependencies(entry, args):
    """Every file the preprocessor opens for this entry, as absolute paths."""
    run = args + ["-M", "-MF", "-", "-Wno-unused-command-line-argument"]
    # -M writes a make rule "object: dep dep \\\n dep ..."; paths with spaces would be
    # escaped, and ours have none.
    rule = subprocess.run(run, cwd=entry["directory"], check=True, capture_output=True, text=True).stdout
    words = rule.replace("\\\n", " ").split()
    deps = [w for w in words[1:] if w != "\\"]
    return {os.path.realpath(os.path.join(entry["directory"], d)) for d in deps}


def record_path(root):
    return os.path.join(root, "tools", "lint-clean.txt")


def read_lines(path):
    """The "KEY<TAB>PATH" lines of a keys file or of the record (comments skipped)."""
    if not os.path.exists(path):
        return []
    return [line.rstrip("\n") for line in open(path) if line.strip() and not line.startswith("#")]


def stale(build, root, jobs, keys_path, every):
    wanted = [os.path.realpath(line.strip()) for line in sys.stdin if line.strip()]
    entries = {}
    for e in json.load(open(os.path.join(build, "compile_commands.json"))):
        entries.setdefault(os.path.realpath(os.path.join(e["directory"], e["file"])), e)
    # The version line only: the rest of --version names the host CPU.
    version = next(line for line in subprocess.run(["clang-tidy", "--version"], check=True, capture_output=True,
                                                    text=True).stdout.splitlines() if "version" in line)
    with open(os.path.join(root, ".clang-tidy"), "rb") as f:
        config = f.read()
    hasher = Hasher()

    def key(path):
        entry = entries[path]
        args = without_output(command_of(entry))
        h = hashlib.sha256()
        h.update(version.encode())
        h.update(config)
        h.update(normalise("\0".join(args), build, root).encode())
        # In the order of the normalised paths, which does not depend on the checkout.
        for name, dep in sorted((normalise(d, build, root), d) for d in dependencies(entry, args)):
            h.update(name.encode())
            h.update(hasher.file(dep).encode())
        return h.hexdigest()

    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        lines = [f"{k}\t{os.path.relpath(path, root)}" for path, k in zip(wanted, pool.map(key, wanted))]
    with open(keys_path, "w") as f:
        f.writelines(line + "\n" for line in lines)
    on_record = set() if every else set(read_lines(record_path(root)))
    for line, path in zip(lines, wanted):
        if line not in on_record:
            print(path)


def record(root, keys_path):
    now = read_lines(keys_path)
    paths = {line.split("\t")[1] for line in now}
    kept = [line for line in read_lines(record_path(root))
            if line.split("\t")[1] not in paths and os.path.exists(os.path.join(root, line.split("\t")[1]))]
    out = record_path(root)
    with open(out + ".tmp", "w") as f:
        f.write("# tools/lint.sh: translation units clang-tidy found clean, with the key (tools/lint_cache.py)\n"
                "# of exactly what it analysed. Commit it after a clean run of the tree CI lints (README).\n")
        for line in sorted(set(kept + now), key=lambda line: (line.split("\t")[1], line)):
            f.write(line + "\n")
    os.replace(out + ".tmp", out)


def main():
    if sys.argv[1] == "stale":
        build, root = os.path.realpath(sys.argv[2]), os.path.realpath(sys.argv[3])
        stale(build, root, max(1, int(sys.argv[4])), sys.argv[5], "--all" in sys.argv[6:])
    elif sys.argv[1] == "record":
        record(os.path.realpath(sys.argv[2]), sys.argv[3])
    else:
        sys.exit(f"lint_cache.py: unknown command {sys.argv[1]!r} (stale or record)")


if __name__ == "__main__":
    main()
