"""A slow, independent reference for the live-queue math in wfm.staffing (shares no code with wfm).

The model is M/M/n+M ("Erlang A"), or M/M/n ("Erlang C") when nobody hangs up:

- callers arrive as a Poisson process with rate lambda, are served first come first served by `n` identical
  servers, and a service takes an exponential time with mean `aht` (rate mu = 1 / aht);
- a caller who has to wait hangs up after an exponential patience with mean `patience` (rate theta =
  1 / patience); theta = 0 (infinite patience) is Erlang C, where the queue is stable only when n > A;
- the offered traffic is A = lambda * aht Erlangs.

Time is measured in units of one AHT below, so mu = 1, lambda = A and theta = aht / patience.

Everything is computed numerically from the two Markov chains, without the closed forms wfm uses:

1. The number in system k = 0, 1, ..., K is a birth-death chain: births at rate lambda, deaths at rate
   min(k, n) mu + max(k - n, 0) theta. It is truncated at K, chosen (by growing it) so that a bound on the
   probability mass the infinite chain has beyond K is below 1e-15. Its stationary law pi solves pi Q = 0,
   sum(pi) = 1, done with a dense numpy linear solve of the generator (not the product form).
   By PASTA an arriving caller finds k others with probability pi[k]: she waits when k >= n, with q = k - n
   callers ahead of her.
2. The tagged caller's wait is another chain: its state is the number still ahead of her, j = q, ..., 0, plus
   two absorbing states, 'answered' and 'abandoned'. From j >= 1 she moves up (j -> j-1) at rate
   n mu + j theta (a server frees up, or someone ahead hangs up); from j = 0 she is answered at rate n mu; in
   every state she hangs up herself at rate theta. Then
   - P(answered within t | q) is the 'answered' column of expm(M t) (scipy.linalg.expm), and
   - P(answered | q) solves the absorption equations (-T) h = r (a linear solve), T the transient block.
   The chain only moves down, so its top-left block up to some depth Qt is exact for every start q <= Qt;
   P(answered within t | q) falls with q, so callers further back add at most
   P(answered within t | Qt) * P(q > Qt), and Qt is grown until that is below 1e-15.

From these: P(wait) = sum_{k>=n} pi[k]; service level (answered within t, abandoners count as failures) =
P(k < n) + sum_q pi[n+q] P(answered within t | q); P(abandon) = sum_q pi[n+q] (1 - P(answered | q)); and
the mean wait of all callers, answered or not, is E[number waiting] / lambda by Little's law, computed from
pi alone (independently of the abandonment probabilities; theta E[waiting] = lambda P(abandon) is then a check).

`erlang_c_textbook` is a second, closed-form Erlang C (the textbook sum in log space), cheap at any n > A,
for the near-critical cases where the truncated chain would need too many states.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.linalg

# Probability mass the truncations may drop (beyond K in the number in system; callers beyond Qt ahead).
TAIL_MASS = 1e-15
# Refuse chains larger than this many states (a dense solve of that size takes seconds).
MAX_STATES = 8000


@dataclass(frozen=True)
class QueueMetrics:
    """Steady-state metrics of one M/M/n(+M) queue; times in seconds."""

    prob_wait: float  # P(an arriving caller finds all servers busy)
    service_level: float  # P(answered within answer_seconds), over all offered callers
    abandon: float  # P(hangs up before being answered)
    mean_wait_seconds: float  # mean time in queue of every caller, answered or not (Little's law)
    states: int  # K + 1, the size of the truncated chain


def _death_rate(k: int, servers: int, theta: float) -> float:
    return min(k, servers) * 1.0 + max(k - servers, 0) * theta


def _tail_bound(pi_last: float, traffic: float, servers: int, theta: float, last: int) -> float:
    """Bound on the infinite chain's mass beyond state `last`, relative to pi[last]: a geometric series.

    Beyond `last` every step's ratio pi[k+1] / pi[k] = lambda / death(k+1) is at most r = lambda / death(last+1)
    (death rates grow with k), so the tail is at most pi[last] * r / (1 - r). Infinite when r >= 1.
    """
    ratio = traffic / _death_rate(last + 1, servers, theta)
    if ratio >= 1.0:
        return math.inf
    return pi_last * ratio / (1.0 - ratio)


def stationary_distribution(traffic: float, servers: int, theta: float, states: int) -> np.ndarray:
    """pi over k = 0..states-1 of the birth-death chain truncated there, by solving pi Q = 0, sum(pi) = 1."""
    generator = np.zeros((states, states))
    for k in range(states):
        if k + 1 < states:
            generator[k, k + 1] = traffic  # an arrival
        if k > 0:
            generator[k, k - 1] = _death_rate(k, servers, theta)  # a service completion or a hang-up
        generator[k, k] = -generator[k].sum()
    # pi Q = 0 is Q^T pi^T = 0; one of its equations is redundant, so replace it by the normalisation. The one
    # replaced is the balance of the most likely state (the first k with death(k+1) >= lambda): elimination
    # then works in from both ends towards it, and even the tiny probabilities far out keep their digits
    # (replacing the last state's equation instead leaves them at a noise floor near 1e-16).
    mode = next((k for k in range(states - 1) if _death_rate(k + 1, servers, theta) >= traffic), states - 1)
    system = generator.T.copy()
    system[mode, :] = 1.0
    rhs = np.zeros(states)
    rhs[mode] = 1.0
    pi = np.linalg.solve(system, rhs)
    return np.clip(pi, 0.0, None)


def _initial_states(traffic: float, servers: int, theta: float) -> int:
    """A first guess at K + 1 (the loop in `queue_metrics` grows it until the tail is negligible)."""
    if theta > 0:
        # The queue settles near (A - n) / theta with a spread of about sqrt(A / theta).
        queue = max(0.0, (traffic - servers) / theta) + 10.0 * math.sqrt(max(traffic, 1.0) / min(theta, 1.0))
    else:
        queue = 36.0 / -math.log(traffic / servers)  # geometric tail with ratio rho = A / n
    return servers + math.ceil(queue) + 30


def _waiting_generator(servers: int, theta: float, depth: int) -> np.ndarray:
    """Generator of the tagged caller's chain: states 0..depth (callers ahead), then 'answered', 'abandoned'."""
    answered, abandoned = depth + 1, depth + 2
    generator = np.zeros((depth + 3, depth + 3))
    for ahead in range(depth + 1):
        move_up = servers * 1.0 + ahead * theta  # a server frees up, or one of those ahead hangs up
        generator[ahead, ahead - 1 if ahead > 0 else answered] = move_up
        generator[ahead, abandoned] = theta
        generator[ahead, ahead] = -(move_up + theta)
    return generator


def answered_eventually(servers: int, theta: float, depth: int) -> np.ndarray:
    """P(answered | q ahead) for q = 0..depth: the absorption probabilities, by a linear solve."""
    generator = _waiting_generator(servers, theta, depth)
    transient = generator[: depth + 1, : depth + 1]  # lower bidiagonal: j only moves to j - 1
    into_answered = generator[: depth + 1, depth + 1]
    # h = T h + r in rate form: (-T) h = r.
    result = scipy.linalg.solve_triangular(-transient, into_answered, lower=True)
    return np.clip(result, 0.0, 1.0)


def answered_within(servers: int, theta: float, depth: int, time_in_aht: float) -> np.ndarray:
    """P(answered within t | q ahead) for q = 0..depth, t in AHTs: the 'answered' column of expm(M t)."""
    generator = _waiting_generator(servers, theta, depth)
    transition = scipy.linalg.expm(generator * time_in_aht)
    return np.clip(transition[: depth + 1, depth + 1], 0.0, 1.0)


def queue_metrics(
    traffic: float, servers: int, aht_seconds: float, answer_seconds: float, patience_seconds: float = math.inf
) -> QueueMetrics:
    """Steady-state metrics of M/M/n+M (finite patience) or M/M/n (infinite patience, only for n > A).

    `traffic` is A in Erlangs; `servers` n a whole number >= 0 (>= 1 and > A for Erlang C).
    """
    if servers != int(servers) or servers < 0:
        raise ValueError("servers must be a whole number >= 0")
    servers = int(servers)
    theta = 0.0 if math.isinf(patience_seconds) else aht_seconds / patience_seconds
    if theta == 0.0 and servers <= traffic:
        raise ValueError("Erlang C has no steady state unless servers > traffic")
    if traffic <= 0:
        return QueueMetrics(0.0, 1.0, 0.0, 0.0, 1)

    # 1. The number in system, truncated where the remaining mass is negligible.
    states = _initial_states(traffic, servers, theta)
    while True:
        if states > MAX_STATES:
            raise ValueError(f"the reference chain needs more than {MAX_STATES} states")
        pi = stationary_distribution(traffic, servers, theta, states)
        if _tail_bound(pi[-1], traffic, servers, theta, states - 1) < TAIL_MASS:
            break
        states = int(states * 1.5) + 10

    ahead = np.arange(states) - servers  # callers ahead of an arrival who finds k in system (< 0: no wait)
    waiting = pi[servers:]  # pi[n + q], q = 0..states-1-n
    prob_wait = float(waiting.sum())
    mean_queue = float(np.dot(np.maximum(ahead, 0), pi))
    mean_wait_seconds = mean_queue / traffic * aht_seconds  # Little: E[waiting] = lambda E[wait]

    # 2. The tagged caller's chain.
    depth = waiting.size - 1  # >= 0: the chain always reaches past n (see _initial_states)
    eventually = answered_eventually(servers, theta, depth)
    abandon = float(np.dot(waiting, 1.0 - eventually))

    time_in_aht = answer_seconds / aht_seconds
    tail_after = np.concatenate([np.cumsum(waiting[::-1])[::-1][1:], [0.0]])  # P(q > Qt) for each Qt
    top = min(depth, 32)
    while True:
        within = answered_within(servers, theta, top, time_in_aht)
        if top == depth or within[-1] * tail_after[top] < TAIL_MASS:
            break
        top = min(depth, 2 * top)
    level = float(pi[:servers].sum() + np.dot(waiting[: top + 1], within))
    return QueueMetrics(prob_wait, level, abandon, mean_wait_seconds, states)


def erlang_c_textbook(traffic: float, servers: int) -> float:
    """Erlang C by the textbook formula, summed in log space (no chain, no recursion), for servers > traffic.

    C(A, n) = (A^n / n!) n / (n - A)  /  (sum_{k<n} A^k / k!  +  (A^n / n!) n / (n - A))
    """
    if servers <= traffic:
        return 1.0
    log_terms = [k * math.log(traffic) - math.lgamma(k + 1) for k in range(servers)]
    log_top = servers * math.log(traffic) - math.lgamma(servers + 1) + math.log(servers / (servers - traffic))
    peak = max([*log_terms, log_top])
    below = math.fsum(math.exp(term - peak) for term in log_terms)
    top = math.exp(log_top - peak)
    return top / (below + top)


def erlang_c_service_level(traffic: float, servers: int, aht_seconds: float, answer_seconds: float) -> float:
    """1 - C exp(-(n - A) t / aht) from `erlang_c_textbook`; 0 when the queue is unstable."""
    if servers <= traffic:
        return 0.0
    return 1.0 - erlang_c_textbook(traffic, servers) * math.exp(-(servers - traffic) * answer_seconds / aht_seconds)


def erlang_c_asa(traffic: float, servers: int, aht_seconds: float) -> float:
    """C aht / (n - A) from `erlang_c_textbook`; infinite when the queue is unstable."""
    if servers <= traffic:
        return math.inf
    return erlang_c_textbook(traffic, servers) * aht_seconds / (servers - traffic)
