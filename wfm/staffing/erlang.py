"""Queueing math for live queues: probability of waiting, service level, ASA, abandonment, occupancy, staffing.

Two models, chosen per queue by whether it has a mean patience:
- Erlang C (M/M/n): Poisson arrivals, exponential handle times, `n` identical servers, nobody abandons, an
  infinite queue. Traffic A = volume * aht_seconds / interval_seconds (Erlangs).
- Erlang A (M/M/n+M): the same, but a waiting caller hangs up after an exponential patience with mean
  `patience_seconds`. See `erlang_a` below for the exact formulas used.

Erlang C:

    P(wait)         C(A, n) = n * B / (n - A * (1 - B)),  B = Erlang B(A, n), for n > A (1.0 otherwise)
    service level   SL      = 1 - C(A, n) * exp(-(n - A) * answer_seconds / aht_seconds)
    average wait    ASA     = C(A, n) * aht_seconds / (n - A)

Erlang B comes from its recursion B(k) = A * B(k-1) / (k + A * B(k-1)), B(0) = 1, which never forms a
factorial or a power of A and stays in [0, 1], so it neither overflows nor loses precision at thousands of
Erlangs. Every function broadcasts numpy arrays (one value per interval and queue) and also takes scalars;
scalar inputs give numpy scalars back.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from scipy.special import gammainc, gammaln

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
ArrayLike = npt.ArrayLike

# When the offered traffic reaches the staff (agents <= Erlangs) the M/M/n queue has no steady state and the
# model's ASA is infinite. Reports and averages need a finite number, so ASA is capped at one hour: far beyond
# any planner's target, and it keeps a volume-weighted daily ASA meaningful instead of turning it into inf.
ASA_CAP_SECONDS = 3600.0

# The Erlang B recursion forgets its starting value geometrically while k < A (each step multiplies the
# starting error by k / A < 1). Starting `12 * sqrt(A) + 20` steps below min(n, A) with B = 1 instead of at
# k = 0 leaves a relative error below exp(-72) (about 1e-31) whatever n is, and turns the O(A) recursion at
# 3,000 Erlangs into about 680 steps.
_RECURSION_SIGMAS = 12.0
_RECURSION_MARGIN = 20

# Staffing searches stop here: a requirement above it (an ASA target of a second on 5,000 Erlangs, say) is
# reported as an error naming the interval instead of being searched for ever.
MAX_AGENTS = 100_000

# Absolute slack when comparing a computed service level with its target, and when rounding counts up:
# 8 / (1 - 0.2) is 10.000000000000002 in floating point and must stay 10 agents.
_EPSILON = 1e-9


def _as_float(value: ArrayLike, name: str) -> FloatArray:
    array = np.asarray(value, dtype=np.float64)
    if np.isinf(array).any():
        raise ValueError(f"{name} must be finite, got an infinite value")
    return array


def _unwrap(array: np.ndarray) -> np.ndarray:
    """0-d results become numpy scalars, so scalar in gives scalar out; arrays pass through."""
    result: np.ndarray = array[()] if array.ndim == 0 else array
    return result


def _traffic_erlangs(volume: FloatArray, aht_seconds: FloatArray, interval_seconds: FloatArray) -> FloatArray:
    """Offered load; intervals without contacts carry no load even when their AHT is unknown (NaN)."""
    with np.errstate(invalid="ignore"):
        traffic: FloatArray = np.where(volume > 0, volume * aht_seconds / interval_seconds, 0.0)
    return traffic


def _validate_load(volume: FloatArray, aht_seconds: FloatArray, interval_seconds: FloatArray) -> None:
    if np.isnan(volume).any() or (volume < 0).any():
        raise ValueError("volume must be a number >= 0 in every interval")
    if np.isnan(interval_seconds).any() or (interval_seconds <= 0).any():
        raise ValueError("interval_seconds must be > 0")
    # The AHT only matters where there is volume: a closed or silent interval may leave it unknown (NaN).
    aht_where_used = np.broadcast_to(aht_seconds, np.broadcast_shapes(volume.shape, aht_seconds.shape))
    used = np.broadcast_to(volume > 0, aht_where_used.shape)
    bad = used & ~(aht_where_used > 0)
    if bad.any():
        raise ValueError("aht_seconds must be > 0 wherever volume > 0 (got a value <= 0 or missing)")


def _validate_concurrency(concurrency: ArrayLike) -> IntArray:
    array = np.asarray(concurrency)
    if not np.issubdtype(array.dtype, np.number) or (array < 1).any() or (array != np.floor(array)).any():
        raise ValueError("concurrency must be a whole number >= 1 (contacts one agent handles at once)")
    return array.astype(np.int64)


def _erlang_b(traffic: FloatArray, servers: IntArray) -> FloatArray:
    """Erlang B blocking probability for integer `servers` >= 0, elementwise over broadcast arrays."""
    traffic, servers = np.broadcast_arrays(traffic, servers)
    # Start each element's recursion a safe distance below min(servers, traffic) (see _RECURSION_SIGMAS);
    # every element then needs its own number of steps, taken together with a per-element k.
    margin = np.ceil(_RECURSION_SIGMAS * np.sqrt(traffic)) + _RECURSION_MARGIN
    first = np.maximum(0.0, np.floor(np.minimum(servers, traffic) - margin)).astype(np.int64)
    steps = servers - first
    blocking = np.ones(traffic.shape, dtype=np.float64)
    todo = np.flatnonzero(steps > 0)
    flat_traffic = traffic.ravel()
    flat_first = first.ravel()
    flat_steps = steps.ravel()
    flat_blocking = blocking.ravel()
    step = 0
    while todo.size:
        step += 1
        load = flat_traffic[todo] * flat_blocking[todo]
        flat_blocking[todo] = load / (flat_first[todo] + step + load)
        todo = todo[flat_steps[todo] > step]
    return flat_blocking.reshape(traffic.shape)


def _erlang_c_from_b(traffic: FloatArray, servers: FloatArray, blocking: FloatArray) -> FloatArray:
    """C = n B / (n - A (1 - B)); 1.0 where the queue is unstable (n <= A), which includes n = 0."""
    stable = servers > traffic
    with np.errstate(divide="ignore", invalid="ignore"):
        prob_wait = servers * blocking / (servers - traffic * (1.0 - blocking))
    result: FloatArray = np.where(stable, np.clip(prob_wait, 0.0, 1.0), 1.0)
    return result


def _integer_servers(traffic: FloatArray, servers: IntArray) -> tuple[FloatArray, FloatArray]:
    """(prob_wait, servers as float) for integer server counts."""
    blocking = _erlang_b(traffic, servers)
    servers_float = servers.astype(np.float64)
    return _erlang_c_from_b(traffic, servers_float, blocking), servers_float


def erlang_c(traffic_erlangs: ArrayLike, agents: ArrayLike) -> FloatArray:
    """Probability that a contact has to wait (Erlang C) with `agents` servers and `traffic_erlangs` offered.

    `agents` must be whole numbers >= 0. Where agents <= traffic the queue grows without bound and every
    contact waits: the result is 1.0.
    """
    traffic = _as_float(traffic_erlangs, "traffic_erlangs")
    if np.isnan(traffic).any() or (traffic < 0).any():
        raise ValueError("traffic_erlangs must be >= 0")
    agents_array = _as_float(agents, "agents")
    if np.isnan(agents_array).any() or (agents_array < 0).any() or (agents_array != np.floor(agents_array)).any():
        raise ValueError("agents must be whole numbers >= 0 for erlang_c (see service_level for fractional staff)")
    prob_wait, _ = _integer_servers(traffic, agents_array.astype(np.int64))
    return _unwrap(prob_wait)


def _validate_patience(patience_seconds: ArrayLike) -> FloatArray:
    array = np.asarray(patience_seconds, dtype=np.float64)
    if np.isnan(array).any() or (array <= 0).any():
        raise ValueError("patience_seconds must be > 0 (mean time a caller waits before hanging up; inf = never)")
    return array


# log G(x, y) by its series where the incomplete gamma function underflows (x far above y): the terms then
# shrink at least geometrically, and the loop stops once they no longer change G in double precision.
_KUMMER_UNDERFLOW = 1e-280
_KUMMER_MAX_TERMS = 1_000_000


def _log_kummer(x: FloatArray, y: FloatArray) -> FloatArray:
    """log G(x, y), G = sum_{q>=0} prod_{j=1..q} y / (x + j) = Gamma(x+1) y^-x e^y P(x, y), for x > 0, y > 0.

    (G is Kummer's function M(1, x+1, y); P the regularized lower incomplete gamma function.)
    """
    with np.errstate(divide="ignore", under="ignore"):
        lower = gammainc(x, y)
        result: FloatArray = gammaln(x + 1.0) - x * np.log(y) + y + np.log(lower)
    todo = np.flatnonzero(lower < _KUMMER_UNDERFLOW)
    if todo.size:
        total = np.ones(todo.size)
        term = np.ones(todo.size)
        xs, ys = x[todo], y[todo]
        active = np.arange(todo.size)
        for q in range(1, _KUMMER_MAX_TERMS):
            term[active] *= ys[active] / (xs[active] + q)
            total[active] += term[active]
            active = active[term[active] > 1e-17 * total[active]]
            if not active.size:
                break
        result[todo] = np.log(total)
    return result


def _erlang_a_from_b(
    traffic: FloatArray,
    servers: FloatArray,
    blocking: FloatArray,
    aht_seconds: FloatArray,
    answer_seconds: FloatArray,
    patience_seconds: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(prob_wait, service_level, abandon_rate) of Erlang A at whole server counts, given Erlang B there.

    With mu = 1/aht, theta = 1/patience, x = n mu / theta and y = lambda / theta (= A patience / aht), the
    birth-death chain of the number in system has pi(n+q) / pi(n) = prod_{j=1..q} y / (x+j), whose sum over
    q >= 0 is G(x, y) (see _log_kummer). A caller who finds q others waiting moves up at rate n mu + j theta
    (j ahead) and hangs up at rate theta; the chance of moving up each time before hanging up telescopes to
    x / (x+q+1), and the time to be answered, given that, is a sum of exponentials with rates n mu + j theta,
    j = 1..q+1, for which exp(-theta S) ~ Beta(x+1, q+1). Summing over q (Gamma-function identities), with
    B = Erlang B(A, n) and z = exp(-theta t):

        P(wait)                        = G(y) / (1/B - 1 + G(y))
        P(answered | waited)           = (x/y) (G(y) - 1) / G(y)
        P(answered within t | waited)  = (x/y) [G(y) - 1 - (G(yz) - 1) z^x e^(y (1-z))] / G(y)

    (G(y) short for G(x, y).) Everything is combined in logs, so 5,000 Erlangs neither overflow nor
    underflow. tests/staffing_reference.py checks it against the chain solved numerically (stationary law by
    a linear solve, the waiting caller's chain by a matrix exponential).
    """
    prob_wait = np.ones(traffic.shape)
    answered = np.zeros(traffic.shape)
    answered_within = np.zeros(traffic.shape)
    staffed = servers > 0  # with nobody staffed every caller waits and none is answered
    if staffed.any():
        ratio = (patience_seconds / aht_seconds)[staffed]
        x = servers[staffed] * ratio
        y = traffic[staffed] * ratio
        z = np.exp(-answer_seconds[staffed] / patience_seconds[staffed])
        with np.errstate(divide="ignore", over="ignore", under="ignore", invalid="ignore"):
            log_g = _log_kummer(x, y)
            log_rest = np.log1p(-blocking[staffed]) - np.log(blocking[staffed])  # log(1/B - 1): a free server
            prob_wait[staffed] = 1.0 / (1.0 + np.exp(log_rest - log_g))
            # (G - 1) / G without losing digits when G is near 1: -expm1(-log G).
            done = -np.expm1(-log_g)
            log_g_z = _log_kummer(x, y * z)
            late = np.exp(np.log(-np.expm1(-log_g_z)) + log_g_z + x * np.log(z) + y * (1.0 - z) - log_g)
            answered[staffed] = np.clip(x / y * done, 0.0, 1.0)
            answered_within[staffed] = np.clip(np.nan_to_num(x / y * (done - late)), 0.0, 1.0)
    level: FloatArray = np.clip(1.0 - prob_wait + prob_wait * answered_within, 0.0, 1.0)
    abandon: FloatArray = np.clip(prob_wait * (1.0 - answered), 0.0, 1.0)
    return prob_wait, level, abandon


def _erlang_c_level(
    traffic: FloatArray, servers: FloatArray, prob_wait: FloatArray, aht: FloatArray, answer: FloatArray
) -> FloatArray:
    """SL = 1 - C exp(-(n - A) t / aht), 0 where the queue is unstable."""
    stable = servers > traffic
    with np.errstate(invalid="ignore", over="ignore"):
        waited_out = np.exp(-np.where(stable, servers - traffic, 1.0) * answer / aht)
    level: FloatArray = np.clip(np.where(stable, 1.0 - prob_wait * waited_out, 0.0), 0.0, 1.0)
    return level


class _IntegerMetric:
    """A metric evaluated at integer server counts (a small callable, so fractional staff can interpolate).

    Where `patience_seconds` is finite the queue is Erlang A, elsewhere Erlang C.
    """

    def __init__(
        self, aht_seconds: FloatArray, answer_seconds: FloatArray | None, kind: str, patience_seconds: FloatArray
    ) -> None:
        self.aht_seconds = aht_seconds
        self.answer_seconds = answer_seconds
        self.kind = kind
        self.patience_seconds = patience_seconds

    def __call__(self, traffic: FloatArray, servers: IntArray) -> FloatArray:
        shape = np.broadcast_shapes(traffic.shape, servers.shape)
        traffic = np.atleast_1d(np.broadcast_to(traffic, shape))
        servers = np.atleast_1d(np.broadcast_to(servers, shape))
        blocking = _erlang_b(traffic, servers)
        servers_float = servers.astype(np.float64)
        prob_wait = _erlang_c_from_b(traffic, servers_float, blocking)
        stable = servers_float > traffic
        if self.kind == "service_level":
            assert self.answer_seconds is not None
            result = _erlang_c_level(traffic, servers_float, prob_wait, self.aht_seconds, self.answer_seconds)
        elif self.kind == "asa":
            with np.errstate(invalid="ignore", divide="ignore"):
                asa = prob_wait * self.aht_seconds / np.where(stable, servers_float - traffic, 1.0)
            result = np.where(stable, np.minimum(asa, ASA_CAP_SECONDS), ASA_CAP_SECONDS)
        else:  # abandonment: nobody abandons in Erlang C
            result = np.zeros(traffic.shape)
        result = np.array(result, dtype=np.float64)
        patience = np.atleast_1d(np.broadcast_to(self.patience_seconds, traffic.shape))
        aht = np.atleast_1d(np.broadcast_to(self.aht_seconds, traffic.shape))
        patient = np.isfinite(patience)
        if patient.any():
            answer = self.answer_seconds if self.answer_seconds is not None else np.zeros(traffic.shape)
            _, level, abandon = _erlang_a_from_b(
                traffic[patient],
                servers_float[patient],
                blocking[patient],
                aht[patient],
                np.broadcast_to(answer, traffic.shape)[patient],
                patience[patient],
            )
            if self.kind == "service_level":
                result[patient] = level
            elif self.kind == "asa":
                # Mean wait of every caller, answered or not (Little's law: theta E[queue] = lambda P(abandon)).
                result[patient] = np.minimum(abandon * patience[patient], ASA_CAP_SECONDS)
            else:
                result[patient] = abandon
        out: FloatArray = result.reshape(shape)
        return out


def _interpolated(traffic: FloatArray, servers: FloatArray, compute: _IntegerMetric) -> FloatArray:
    """Evaluate `compute` at the whole server counts around fractional `servers`, interpolating linearly."""
    lower = np.floor(servers).astype(np.int64)
    upper = np.ceil(servers).astype(np.int64)
    weight = servers - lower
    at_lower = compute(traffic, lower)
    at_upper = compute(traffic, upper)
    result: FloatArray = (1.0 - weight) * at_lower + weight * at_upper
    return result


def _live_inputs(
    volume: ArrayLike,
    aht_seconds: ArrayLike,
    interval_seconds: ArrayLike,
    agents: ArrayLike,
    concurrency: ArrayLike,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    volume_array = _as_float(volume, "volume")
    aht_array = _as_float(aht_seconds, "aht_seconds")
    interval_array = _as_float(interval_seconds, "interval_seconds")
    _validate_load(volume_array, aht_array, interval_array)
    agents_array = _as_float(agents, "agents")
    if np.isnan(agents_array).any() or (agents_array < 0).any():
        raise ValueError("agents must be >= 0")
    concurrency_array = _validate_concurrency(concurrency)
    traffic = _traffic_erlangs(volume_array, aht_array, interval_array)
    servers = agents_array * concurrency_array
    shape = np.broadcast_shapes(traffic.shape, servers.shape, aht_array.shape)
    return (
        np.broadcast_to(volume_array, shape),
        np.broadcast_to(aht_array, shape),
        np.broadcast_to(traffic, shape),
        np.broadcast_to(servers, shape).astype(np.float64),
        np.broadcast_to(agents_array, shape),
    )


def service_level(
    volume: ArrayLike,
    aht_seconds: ArrayLike,
    interval_seconds: ArrayLike,
    agents: ArrayLike,
    answer_seconds: ArrayLike,
    concurrency: ArrayLike = 1,
    patience_seconds: ArrayLike = np.inf,
) -> FloatArray:
    """Share of offered contacts answered within `answer_seconds`, in [0, 1].

    Erlang C, or Erlang A where `patience_seconds` (the callers' mean patience) is finite: then a caller who
    hangs up, before or after `answer_seconds`, counts as not answered within target.

    `agents` may be fractional (proficiency-weighted staff: an agent at proficiency 0.5 counts as half): the
    service level is interpolated linearly between the whole server counts on either side.

    Chat concurrency `c` (one agent holds `c` conversations at once) is modelled as `c` independent servers
    per agent, each with the queue's AHT: traffic is unchanged and servers = agents * c. This is the simple
    "concurrency-adjusted capacity" approach planners use with Erlang C for chat (see e.g. Call Centre Helper,
    "Erlang C for Chat?", callcentrehelper.com/erlang-c-for-chat-206984.htm). Its limits: it assumes all `c`
    slots are as fast as one, while real agents slow down as they juggle chats (effective concurrency is lower
    than nominal) and customers wait between replies. So the forecast AHT of a chat queue should be the
    wall-clock AHT measured while agents ran at that concurrency, and high concurrency results are optimistic.

    No volume gives 1.0 (nobody waited); volume with 0 agents gives 0.0; agents <= traffic (an unstable
    queue) gives 0.0 at that server count.
    """
    answer_array = _as_float(answer_seconds, "answer_seconds")
    if np.isnan(answer_array).any() or (answer_array < 0).any():
        raise ValueError("answer_seconds must be >= 0")
    return _live_metric(
        volume, aht_seconds, interval_seconds, agents, concurrency, answer_array, "service_level", 1.0, patience_seconds
    )


def asa_seconds(
    volume: ArrayLike,
    aht_seconds: ArrayLike,
    interval_seconds: ArrayLike,
    agents: ArrayLike,
    concurrency: ArrayLike = 1,
    patience_seconds: ArrayLike = np.inf,
) -> FloatArray:
    """Average speed of answer (mean wait of all contacts, answered at once or not), in seconds.

    With a finite `patience_seconds` (Erlang A) it is the mean wait of every caller, including the time
    spent waiting by those who hung up, which is P(abandon) x patience_seconds.

    Where agents (times concurrency) <= traffic the queue is unstable and the true ASA is infinite; it is
    returned as the finite cap ASA_CAP_SECONDS (3600 s) so that averages over a day stay finite, and stable
    values above the cap are capped too. Fractional agents interpolate as in `service_level`; no volume
    gives 0.
    """
    return _live_metric(volume, aht_seconds, interval_seconds, agents, concurrency, None, "asa", 0.0, patience_seconds)


def abandon_rate(
    volume: ArrayLike,
    aht_seconds: ArrayLike,
    interval_seconds: ArrayLike,
    agents: ArrayLike,
    patience_seconds: ArrayLike,
    concurrency: ArrayLike = 1,
) -> FloatArray:
    """Share of offered contacts that hang up before being answered (Erlang A), in [0, 1].

    0 where `patience_seconds` is infinite (Erlang C: nobody hangs up) or nobody called; 1 with no staff.
    Fractional agents interpolate as in `service_level`.
    """
    return _live_metric(
        volume, aht_seconds, interval_seconds, agents, concurrency, None, "abandon", 0.0, patience_seconds
    )


def _live_metric(
    volume: ArrayLike,
    aht_seconds: ArrayLike,
    interval_seconds: ArrayLike,
    agents: ArrayLike,
    concurrency: ArrayLike,
    answer_seconds: FloatArray | None,
    name: str,
    when_no_volume: float,
    patience_seconds: ArrayLike = np.inf,
) -> FloatArray:
    """An Erlang C / A metric interpolated over fractional staff, with `when_no_volume` where nobody called."""
    volume_b, aht_b, traffic, servers, _ = _live_inputs(volume, aht_seconds, interval_seconds, agents, concurrency)
    patience = _validate_patience(patience_seconds)
    safe_aht = np.where(volume_b > 0, aht_b, 1.0)
    extra = [] if answer_seconds is None else [answer_seconds]
    traffic, servers, safe_aht, volume_b, patience, *answer_b = np.broadcast_arrays(
        traffic, servers, safe_aht, volume_b, patience, *extra
    )
    metric = _IntegerMetric(safe_aht, answer_b[0] if answer_b else None, name, patience)
    value = _interpolated(traffic, servers, metric)
    result: FloatArray = np.where(volume_b > 0, value, when_no_volume)
    return _unwrap(result)


def occupancy(
    volume: ArrayLike,
    aht_seconds: ArrayLike,
    interval_seconds: ArrayLike,
    agents: ArrayLike,
    concurrency: ArrayLike = 1,
    patience_seconds: ArrayLike = np.inf,
) -> FloatArray:
    """Share of staffed capacity spent handling contacts: carried traffic / (agents * concurrency), at most 1.

    Erlang C carries all the offered traffic; Erlang A (finite `patience_seconds`) only what is not abandoned,
    traffic x (1 - abandon_rate), as in pyworkforce's Erlang A. For chat this is the share of conversation
    slots in use. 0 when nobody is staffed.
    """
    _, _, traffic, servers, _ = _live_inputs(volume, aht_seconds, interval_seconds, agents, concurrency)
    patience = np.broadcast_to(_validate_patience(patience_seconds), traffic.shape)
    if np.isfinite(patience).any():
        carried = 1.0 - np.broadcast_to(
            abandon_rate(volume, aht_seconds, interval_seconds, agents, patience, concurrency), traffic.shape
        )
        traffic = traffic * np.where(np.isfinite(patience), carried, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(servers > 0, np.minimum(traffic / np.where(servers > 0, servers, 1.0), 1.0), 0.0)
    result: FloatArray = value.astype(np.float64)
    return _unwrap(result)


def _smallest_servers(meets: Callable[[IntArray, IntArray], np.ndarray], low: IntArray) -> IntArray:
    """Per cell, the smallest server count >= low[cell] for which meets(cells, servers) holds.

    `meets` must be monotone in the server count (once met, met for every larger count). Doubling finds a
    count that meets it, then bisection the smallest; a cell needing more than MAX_AGENTS servers raises.
    """
    cells = np.arange(low.size)
    high = np.maximum(low, 1)
    pending = cells[~meets(cells, high)]
    while pending.size:
        high[pending] *= 2
        if (high[pending] > MAX_AGENTS).any():
            first = int(pending[high[pending] > MAX_AGENTS][0])
            raise ValueError(
                f"no staffing up to {MAX_AGENTS:,} agents meets the targets in interval #{first} "
                "(check the targets: an ASA target of 0 s, say, can never be met)"
            )
        pending = pending[~meets(pending, high[pending])]
    below = low - 1  # a count known not to be needed (or below the search range)
    active = cells[high - below > 1]
    while active.size:
        middle = (below[active] + high[active]) // 2
        ok = meets(active, middle)
        high[active[ok]] = middle[ok]
        below[active[~ok]] = middle[~ok]
        active = active[high[active] - below[active] > 1]
    return high


def required_agents(
    volume: ArrayLike,
    aht_seconds: ArrayLike,
    interval_seconds: ArrayLike,
    service_level_target: ArrayLike,
    answer_seconds: ArrayLike,
    max_occupancy: ArrayLike = 1.0,
    concurrency: ArrayLike = 1,
    shrinkage: ArrayLike = 0.0,
    patience_seconds: ArrayLike = np.inf,
    max_asa_seconds: ArrayLike = np.inf,
) -> IntArray:
    """Agents to schedule per interval: the fewest that meet every target, grossed up for shrinkage.

    The smallest whole n with service_level(n) >= target, traffic / (n * concurrency) <= max_occupancy and
    asa_seconds(n) <= max_asa_seconds (whichever binds), with Erlang A where `patience_seconds` is finite;
    then ceil(n / (1 - shrinkage)) for the absence the schedule cannot see. 0 where there is no volume.
    Erlang C cells start at the least stable server count and step up one server at a time (an O(1)
    Erlang B update); Erlang A cells and the ASA target are found by bisection over the server count.
    A requirement above MAX_AGENTS raises a ValueError rather than searching for ever.
    """
    volume_array = _as_float(volume, "volume")
    aht_array = _as_float(aht_seconds, "aht_seconds")
    interval_array = _as_float(interval_seconds, "interval_seconds")
    _validate_load(volume_array, aht_array, interval_array)
    target = _as_float(service_level_target, "service_level_target")
    if np.isnan(target).any() or (target <= 0).any() or (target >= 1).any():
        raise ValueError("service_level_target must be between 0 and 1 exclusive (e.g. 0.8 for 80%)")
    answer = _as_float(answer_seconds, "answer_seconds")
    if np.isnan(answer).any() or (answer < 0).any():
        raise ValueError("answer_seconds must be >= 0")
    occupancy_cap = _as_float(max_occupancy, "max_occupancy")
    if np.isnan(occupancy_cap).any() or (occupancy_cap <= 0).any() or (occupancy_cap > 1).any():
        raise ValueError("max_occupancy must be in (0, 1]")
    concurrency_array = _validate_concurrency(concurrency)
    shrinkage_array = _as_float(shrinkage, "shrinkage")
    if np.isnan(shrinkage_array).any() or (shrinkage_array < 0).any() or (shrinkage_array >= 1).any():
        raise ValueError("shrinkage must be in [0, 1)")
    patience_array = _validate_patience(patience_seconds)
    asa_cap = np.asarray(max_asa_seconds, dtype=np.float64)
    if np.isnan(asa_cap).any() or (asa_cap <= 0).any():
        raise ValueError("max_asa_seconds must be > 0 (an average wait of 0 s needs infinite staff)")

    traffic = _traffic_erlangs(volume_array, aht_array, interval_array)
    shape = np.broadcast_shapes(
        traffic.shape,
        aht_array.shape,
        target.shape,
        answer.shape,
        occupancy_cap.shape,
        concurrency_array.shape,
        shrinkage_array.shape,
        patience_array.shape,
        asa_cap.shape,
    )
    traffic_f = np.broadcast_to(traffic, shape).ravel()
    aht_f = np.where(traffic_f > 0, np.broadcast_to(aht_array, shape).ravel(), 1.0)
    target_f = np.broadcast_to(target, shape).ravel()
    answer_f = np.broadcast_to(answer, shape).ravel()
    occupancy_f = np.broadcast_to(occupancy_cap, shape).ravel()
    concurrency_f = np.broadcast_to(concurrency_array, shape).ravel()
    shrinkage_f = np.broadcast_to(shrinkage_array, shape).ravel()
    patience_f = np.broadcast_to(patience_array, shape).ravel()
    asa_f = np.broadcast_to(asa_cap, shape).ravel()

    # Servers (conversation slots): Erlang C needs a stable queue and at least the occupancy cap's count.
    # Erlang A is stable with any staff and its cap is on the carried (not abandoned) load, checked below.
    at_cap = np.ceil(traffic_f / occupancy_f - _EPSILON).astype(np.int64)
    servers = np.where(np.isfinite(patience_f), 0, np.maximum(np.floor(traffic_f) + 1, at_cap)).astype(np.int64)
    needed = np.zeros(traffic_f.shape, dtype=np.int64)
    todo = np.flatnonzero((traffic_f > 0) & ~np.isfinite(patience_f))
    if todo.size:
        blocking = _erlang_b(traffic_f[todo], servers[todo])
        current = servers[todo]
        while todo.size:
            if (current > MAX_AGENTS).any():
                raise ValueError(f"no staffing up to {MAX_AGENTS:,} agents meets the service level target")
            load = traffic_f[todo]
            prob_wait = _erlang_c_from_b(load, current.astype(np.float64), blocking)
            level = _erlang_c_level(load, current.astype(np.float64), prob_wait, aht_f[todo], answer_f[todo])
            met = level >= target_f[todo] - 1e-12
            needed[todo[met]] = current[met]
            keep = ~met
            todo, current, blocking = todo[keep], current[keep] + 1, blocking[keep]
            load = traffic_f[todo] * blocking
            blocking = load / (current + load)

    patient = np.flatnonzero((traffic_f > 0) & np.isfinite(patience_f))
    if patient.size:

        def level_met(cells: IntArray, count: IntArray) -> np.ndarray:
            # Service level and abandonment (for the occupancy on the carried load) from one Erlang A evaluation.
            rows = patient[cells]
            load = traffic_f[rows]
            _, level, abandon = _erlang_a_from_b(
                load, count.astype(np.float64), _erlang_b(load, count), aht_f[rows], answer_f[rows], patience_f[rows]
            )
            with np.errstate(divide="ignore", invalid="ignore"):
                busy = np.where(count > 0, load * (1.0 - abandon) / np.maximum(count, 1), np.inf)
            met: np.ndarray = (level >= target_f[rows] - 1e-12) & (busy <= occupancy_f[rows] + 1e-12)
            return met

        needed[patient] = _smallest_servers(level_met, servers[patient])

    capped = np.flatnonzero((traffic_f > 0) & np.isfinite(asa_f))
    if capped.size:

        def asa_met(cells: IntArray, count: IntArray) -> np.ndarray:
            rows = capped[cells]
            metric = _IntegerMetric(aht_f[rows], None, "asa", patience_f[rows])
            met: np.ndarray = metric(traffic_f[rows], count) <= asa_f[rows] + 1e-9
            return met

        needed[capped] = _smallest_servers(asa_met, needed[capped])

    # Whole agents: n agents give n * concurrency slots, and service level only grows with slots.
    agents = -(-needed // concurrency_f)
    gross = np.ceil(agents / (1.0 - shrinkage_f) - _EPSILON).astype(np.int64)
    result: IntArray = np.where(traffic_f > 0, gross, 0).reshape(shape)
    return _unwrap(result)
