// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// How transient failures are retried: exponential backoff with jitter, bounded in count and in time.
///
/// Transient means a connection that failed or was reset, a timeout, 408, 429 and 5xx (except 501 and
/// 505). A `Retry-After` header (seconds) is honoured up to `maximumDelay`.
public struct RetryPolicy: Sendable, Equatable {
    /// The most attempts for one request, the first included.
    public var maximumAttempts: Int
    /// The delay before the first retry.
    public var initialDelay: Duration
    /// The cap on any single delay.
    public var maximumDelay: Duration
    /// The cap on the time spent retrying one request (or one blob upload).
    public var maximumTotalTime: Duration
    /// The fraction of each delay that is randomised (0 … 1).
    public var jitter: Double

    public init(
        maximumAttempts: Int = 6, initialDelay: Duration = .milliseconds(200), maximumDelay: Duration = .seconds(10),
        maximumTotalTime: Duration = .seconds(180), jitter: Double = 0.5
    ) {
        self.maximumAttempts = maximumAttempts
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.maximumTotalTime = maximumTotalTime
        self.jitter = jitter
    }

    /// The default policy.
    public static let standard = RetryPolicy()

    /// No retries at all.
    public static let none = RetryPolicy(maximumAttempts: 1)

    /// The delay before retry number `retry` (1 for the first retry).
    /// - Parameters:
    ///   - retry: which retry this is, from 1.
    ///   - retryAfter: the server's `Retry-After`, when it sent one.
    public func delay(beforeRetry retry: Int, retryAfter: Duration? = nil) -> Duration {
        if let retryAfter { return min(retryAfter, maximumDelay) }
        let exponent = min(max(retry - 1, 0), 20)
        let base = min(initialDelay * (1 << exponent), maximumDelay)
        let spread = max(0, min(jitter, 1))
        let factor = 1 - spread + Double.random(in: 0...(2 * spread))
        return min(base * factor, maximumDelay)
    }

    /// Whether another attempt is allowed after `attempts` attempts that started `elapsed` ago.
    public func allowsRetry(afterAttempts attempts: Int, elapsed: Duration) -> Bool {
        attempts < maximumAttempts && elapsed < maximumTotalTime
    }

    /// Parses a `Retry-After` value given in seconds (the HTTP-date form is ignored).
    static func parseRetryAfter(_ value: String?) -> Duration? {
        guard let value, let seconds = Int(value.trimmingCharacters(in: .whitespaces)), seconds >= 0 else { return nil }
        return .seconds(seconds)
    }
}
