// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// libarchive converts names between the archive's charset and the *current locale*. A Swift process
/// runs in the "C" locale, where non-ASCII names cannot be converted and come out as raw bytes with a
/// warning. Running libarchive calls under `C.UTF-8` — per thread with `uselocale`, never process-wide —
/// makes names UTF-8 on both sides, whatever locale the caller has.
// nonisolated(unsafe): a locale object is never modified after newlocale; threads only install it.
nonisolated(unsafe) private let utf8Locale: locale_t? = newlocale(LC_CTYPE_MASK, "C.UTF-8", nil)

/// Runs `body` with this thread's LC_CTYPE set to C.UTF-8, then restores the thread's locale.
func withUTF8Locale<T>(_ body: () throws -> T) rethrows -> T {
    guard let utf8Locale else { return try body() }
    let previous = uselocale(utf8Locale)
    defer { uselocale(previous) }
    return try body()
}
