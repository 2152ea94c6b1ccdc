import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from wire import WireServer  # noqa: E402


@pytest.fixture
def server():
    s = WireServer()
    yield s
    s.close()
