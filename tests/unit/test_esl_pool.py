"""Several FreeSWITCH servers: weighted least-loaded choice, capacity, a server down, crash look-up on all."""

from __future__ import annotations

import pytest

from robot.esl.connection import EslNotConnectedError
from robot.esl.pool import SwitchPool, endpoint_settings
from robot.settings import EslSettings

pytestmark = pytest.mark.unit
UUID = "0f0e0d0c-0b0a-4909-8807-060504030201"


class FakeClient:
    def __init__(self, where: str, alive: set[str] | None = None) -> None:
        self.where, self.connected, self.down_since = where, True, None
        self.alive = alive or set()
        self.asked: list[str] = []

    async def api(self, command: str) -> str:
        self.asked.append(command)
        return "true" if command.split()[-1] in self.alive else "false"


def pool(*specs: tuple[float, int]) -> tuple[SwitchPool, list[FakeClient]]:
    settings = EslSettings.model_validate(
        {
            "endpoints": [
                {"host": f"10.0.0.{i}", "port": 8021, "weight": w, "capacity": c} for i, (w, c) in enumerate(specs)
            ]
        }
    )
    p = SwitchPool(settings)
    fakes = []
    for switch in p.switches:
        fake = FakeClient(switch.client.where)
        switch.client = fake  # type: ignore[assignment]
        fakes.append(fake)
    return p, fakes


def test_endpoints_default_to_the_single_server_and_keep_the_shared_password() -> None:
    [(one, weight, cap)] = endpoint_settings(EslSettings(host="fs", port=9000))
    assert (one.host, one.port, weight, cap) == ("fs", 9000, 1.0, 0)
    many = endpoint_settings(
        EslSettings.model_validate({"password": "a", "endpoints": [{"host": "x"}, {"host": "y", "password": "b"}]})
    )
    assert [s.password.get_secret_value() for s, _, _ in many] == ["a", "b"]


def test_calls_spread_by_weight_and_capacity() -> None:
    p, _ = pool((2.0, 0), (1.0, 2))
    held = []
    for i in range(9):
        switch = p.pick()
        assert switch is not None
        ctx = p.placing(f"u{i}", switch)
        ctx.__enter__()
        held.append(ctx)
    assert [s.in_flight for s in p.switches] == [7, 2]  # the second is full at 2; the first takes the rest
    for ctx in held:
        ctx.__exit__(None, None, None)
    assert [s.in_flight for s in p.switches] == [0, 0] and p.client_of("u1") is None


def test_a_server_down_gets_no_call_and_the_campaign_waits_only_when_all_are() -> None:
    p, fakes = pool((1.0, 0), (1.0, 0))
    fakes[0].connected, fakes[0].down_since = False, 100.0
    assert p.pick() is p.switches[1] and p.down_since() is None
    fakes[1].connected, fakes[1].down_since = False, 120.0
    assert p.pick() is None and p.down_since() == 120.0


async def test_a_crashed_call_is_looked_up_on_every_server_and_waits_for_a_down_one() -> None:
    p, fakes = pool((1.0, 0), (1.0, 0))
    fakes[1].alive.add(UUID)
    assert await p.find(UUID) is fakes[1]
    fakes[1].alive.clear()
    assert await p.find(UUID) is None
    fakes[0].connected = False
    with pytest.raises(EslNotConnectedError, match=r"10\.0\.0\.0:8021"):
        await p.find(UUID)


async def test_a_handed_over_call_is_found_on_the_server_that_holds_it() -> None:
    p, (fs0, fs1, fs2) = pool((1.0, 0), (1.0, 0), (1.0, 0))
    fs2.alive.add(UUID)
    assert await p.holder(UUID, [fs0, fs1, fs2]) is fs2  # type: ignore[list-item]
    assert await p.holder(UUID, [fs0, fs1]) is None  # type: ignore[list-item]  # gone, or its server is not asked


async def test_with_one_server_the_hand_off_is_not_looked_up() -> None:
    p, (only,) = pool((1.0, 0))
    assert await p.holder(UUID, [only]) is only  # type: ignore[list-item]
    assert only.asked == []


async def test_a_server_failing_to_answer_is_skipped() -> None:
    from robot.errors import EslError

    p, (broken, good) = pool((1.0, 0), (1.0, 0))
    good.alive.add(UUID)

    async def fail(command: str) -> str:
        raise EslError("link lost")

    broken.api = fail  # type: ignore[method-assign]
    assert await p.holder(UUID, [broken, good]) is good  # type: ignore[list-item]
