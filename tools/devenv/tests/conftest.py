import sys
from pathlib import Path

# The devenv modules are top-level modules of tools/devenv (run as a folder).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
