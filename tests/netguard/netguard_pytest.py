# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The network guard in a pytest run. Importing this module guards the process and its future children
(``sae_netguard.activate()``); each suite's conftest.py imports the fixture and the hook below into itself:

    from netguard_pytest import netguard_each_test, pytest_sessionfinish  # noqa: F401
"""

from __future__ import annotations

import sys

import pytest
import sae_netguard

sae_netguard.activate()


@pytest.fixture(autouse=True)
def netguard_each_test():  # type: ignore[no-untyped-def]
    """A test during which any process of the run was refused the network fails, naming the host."""
    start = sae_netguard.record_size()
    yield
    found = sae_netguard.refusals(start=start)
    if found:
        pytest.fail("the test network guard refused: %s" % sae_netguard.describe(found), pytrace=False)


def pytest_sessionfinish(session, exitstatus):  # type: ignore[no-untyped-def]
    """The session fails when the record file holds any refusal, whichever process and test it came from."""
    found = sae_netguard.refusals()
    if found:
        sys.stderr.write(
            "\nFAILED: the test network guard refused %d time(s): %s\n" % (len(found), sae_netguard.describe(found))
        )
        session.exitstatus = 1
