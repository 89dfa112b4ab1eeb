namespace Tenancy;

/// <summary>
/// A host given to <see cref="TenantDomain"/> cannot name a tenant: it is malformed or hostile, or it is
/// well-formed but has no registrable domain (an IP address, <c>localhost</c>, a public suffix such as
/// <c>co.uk</c>). <see cref="Rule"/> says which rule it broke, and the message says it in words.
/// </summary>
public sealed class InvalidTenantHostException : ArgumentException
{
    /// <summary>Creates the exception for <paramref name="host"/> breaking <paramref name="rule"/>.</summary>
    /// <param name="host">The refused host, as given (may be null).</param>
    /// <param name="rule">The rule it broke.</param>
    /// <param name="reason">What exactly is wrong, in words; it becomes part of the message.</param>
    /// <param name="innerException">The error that revealed the problem, if any (for example from IDNA).</param>
    public InvalidTenantHostException(string? host, TenantHostRule rule, string reason, Exception? innerException = null)
        : base($"Invalid tenant host {MessageText.Quote(host)}: {reason}.", "host", innerException)
    {
        Host = host;
        Rule = rule;
        Reason = reason;
    }

    /// <summary>The refused host, exactly as it was given.</summary>
    public string? Host { get; }

    /// <summary>The rule the host broke.</summary>
    public TenantHostRule Rule { get; }

    /// <summary>What exactly is wrong with the host, in words.</summary>
    public string Reason { get; }
}

/// <summary>The rule a host broke (see <see cref="TenantDomain"/> and <see cref="InvalidTenantHostException"/>).</summary>
public enum TenantHostRule
{
    /// <summary>The host is null or empty, or has no name before its port or after removing its trailing dot.</summary>
    Empty = 1,

    /// <summary>The host is longer than 253 characters (in its ASCII form, without the trailing dot).</summary>
    TooLong,

    /// <summary>A label (the text between two dots) is longer than 63 characters (in its ASCII form).</summary>
    LabelTooLong,

    /// <summary>A label is empty: the host starts with a dot, or contains <c>..</c>.</summary>
    EmptyLabel,

    /// <summary>
    /// The host contains a character a host name cannot hold: a control character (NUL included), white space,
    /// an unpaired surrogate, or punctuation other than <c>-</c> and <c>.</c> (<c>_</c> and <c>*</c> included).
    /// </summary>
    InvalidCharacter,

    /// <summary>
    /// The value is (part of) a URL or a path rather than a host: it contains <c>/</c>, <c>\</c>, <c>@</c> (user
    /// information), <c>?</c>, <c>#</c>, or <c>%</c> (percent-encoding).
    /// </summary>
    UrlSyntax,

    /// <summary>A label starts or ends with <c>-</c>.</summary>
    Hyphen,

    /// <summary>The port after <c>:</c> is empty, not a decimal number, or outside 1–65535; or there is more than one <c>:</c>.</summary>
    InvalidPort,

    /// <summary>A label is not a valid internationalized label: broken punycode (<c>xn--</c>), or characters IDNA refuses.</summary>
    InvalidIdn,

    /// <summary>
    /// The host is not in its canonical form: it uses characters that IDNA would silently map to other ones
    /// (fullwidth or ideographic dots, fullwidth letters and digits, ligatures, invisible characters such as the
    /// soft hyphen). Such spellings are refused rather than folded, so that one tenant never has two spellings.
    /// </summary>
    LookAlike,

    /// <summary>The host is an IPv4 or IPv6 address (or looks like one); an IP address has no registrable domain.</summary>
    IpAddress,

    /// <summary>The host is <c>localhost</c> or a name under it (RFC 6761 loopback names); it has no registrable domain.</summary>
    Localhost,

    /// <summary>The host is itself a public suffix (<c>com</c>, <c>co.uk</c>, <c>github.io</c>, or an unlisted top-level label); it has no registrable domain.</summary>
    PublicSuffix,
}
