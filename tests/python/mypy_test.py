"""python_mypy: the generated modules of every schema in schemas/ and the
support module they share pass mypy --strict, and so does user.py, a
program that uses them: its reveal_type lines must show the schema's
types, not Any."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import tgpy


def main() -> int:
    out = tgpy.generate("mypy")
    shutil.copy(os.path.join(os.path.dirname(__file__), "user_program.py"), out)
    files = [tgpy.module_name(s) + ".py" for s in tgpy.SCHEMAS] + ["_topicgen_support.py",
                                                                   "user_program.py"]
    proc = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", *files],
                          cwd=out, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    print(proc.stdout)
    notes = [l for l in proc.stdout.splitlines() if "Revealed type" in l]
    expect = ['"crm.InboundMessage_email_received"', '"orders.OrderEvent"', '"builtins.str"',
              '"_topicgen_support.Decimal"', '"orders.OrderStatus"', '"uuid.UUID"', '"Union[builtins.bytes, msgspec.UnsetType]"',
              '"Union[msgspec.Raw, None]"', '"pynames.Level"',
              '"Union[from_.json, msgspec.UnsetType]"']
    missing = [e for e in expect if not any(e in n for n in notes)]
    anys = [n for n in notes if "Any" in n]
    if missing or anys:
        print("missing revealed types: %s; Any: %s" % (missing, anys))
        return 1
    # mypy exits 1 when it only has reveal_type notes; errors are "error:" lines
    errors = [l for l in proc.stdout.splitlines() if ": error:" in l]
    print("%d modules and a user program: %d errors" % (len(tgpy.SCHEMAS), len(errors)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
