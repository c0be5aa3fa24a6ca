#!/usr/bin/env python3
"""Queries a JSON lint report (erofs-share lint --format json) for the shell tests.

findings.py count REPORT [key=value ...]   number of findings whose keys equal the values
findings.py list REPORT                    one line per finding, for failure messages
Keys: rule, severity, image, path ("-" for image-wide findings), nid.
"""
import json
import sys


def matches(f, conditions):
    for key, want in conditions:
        have = f.get(key)
        if key == "path" and want == "-":
            if have is not None:
                return False
        elif str(have) != want:
            return False
    return True


def main():
    cmd, report = sys.argv[1], sys.argv[2]
    with open(report, encoding="utf-8") as fh:
        findings = json.load(fh)["findings"]
    if cmd == "count":
        conditions = [arg.split("=", 1) for arg in sys.argv[3:]]
        print(sum(1 for f in findings if matches(f, conditions)))
    elif cmd == "list":
        for f in findings:
            print(f"  {f['severity']} {f['rule']} {f['image']}:{f['path']} {f['message']}")
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
