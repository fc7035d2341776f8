#!/usr/bin/env python3
# The sample tree's entry point, shaped like rust-lang/rust's x.py: it imports
# src/bootstrap/bootstrap.py and calls main().
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "src", "bootstrap"))
import bootstrap  # noqa: E402

bootstrap.main()
