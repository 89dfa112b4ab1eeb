namespace Tenancy;

/// <summary>
/// The one validator for tenant names. A slug becomes a file name, a directory name and a database schema
/// name, so every tenant name passes through here before it reaches a path or SQL.
/// </summary>
/// <remarks>
/// Rules: 1–63 characters of <c>a-z</c>, <c>0-9</c>, <c>-</c> and <c>_</c>; the first character is a letter or
/// a digit; not a Windows device name (<c>con</c>, <c>prn</c>, <c>aux</c>, <c>nul</c>, <c>com0</c>–<c>com9</c>,
/// <c>lpt0</c>–<c>lpt9</c>); and not starting with <c>pg_</c> (PostgreSQL reserves those schema names).
/// Upper-case letters are refused rather than folded: two spellings of one tenant must not exist.
/// Because a dot is never allowed, <c>..</c> and every path separator are refused by construction.
/// </remarks>
public static class TenantSlug
{
    /// <summary>The longest slug accepted (a DNS label's and a PostgreSQL identifier's limit).</summary>
    public const int MaxLength = 63;

    /// <summary>Returns whether <paramref name="value"/> is a valid tenant slug.</summary>
    /// <param name="value">The candidate slug.</param>
    public static bool IsValid(string? value) => Check(value) == TenantSlugRule.None;

    /// <summary>Returns <paramref name="value"/> when it is a valid tenant slug; otherwise throws.</summary>
    /// <param name="value">The candidate slug.</param>
    /// <param name="paramName">The parameter name reported in the exception.</param>
    /// <returns>The same string, validated.</returns>
    /// <exception cref="InvalidTenantSlugException">The value breaks a slug rule; the message names it.</exception>
    public static string Validate(string? value, string paramName = "tenant")
    {
        var rule = Check(value);
        if (rule != TenantSlugRule.None)
        {
            throw new InvalidTenantSlugException(value, rule, paramName);
        }

        return value!;
    }

    /// <summary>Returns the first rule <paramref name="value"/> breaks, or <see cref="TenantSlugRule.None"/>.</summary>
    /// <param name="value">The candidate slug.</param>
    public static TenantSlugRule Check(string? value)
    {
        if (value is null || value.Length == 0)
        {
            return TenantSlugRule.Empty;
        }

        if (value.Length > MaxLength)
        {
            return TenantSlugRule.TooLong;
        }

        char first = value[0];
        if (!IsLowerLetterOrDigit(first))
        {
            return IsAllowed(first) ? TenantSlugRule.MustStartWithLetterOrDigit : TenantSlugRule.InvalidCharacter;
        }

        for (int i = 1; i < value.Length; i++)
        {
            if (!IsAllowed(value[i]))
            {
                return TenantSlugRule.InvalidCharacter;
            }
        }

        if (IsDeviceName(value))
        {
            return TenantSlugRule.ReservedName;
        }

        if (value.Length >= 3 && value[0] == 'p' && value[1] == 'g' && value[2] == '_')
        {
            return TenantSlugRule.ReservedPrefix;
        }

        return TenantSlugRule.None;
    }

    private static bool IsLowerLetterOrDigit(char c) => (uint)(c - 'a') <= 'z' - 'a' || (uint)(c - '0') <= 9;

    private static bool IsAllowed(char c) => IsLowerLetterOrDigit(c) || c == '-' || c == '_';

    private static bool IsDeviceName(string value)
    {
        switch (value.Length)
        {
            case 3:
                return value is "con" or "prn" or "aux" or "nul";
            case 4:
                return (value.StartsWith("com", StringComparison.Ordinal) || value.StartsWith("lpt", StringComparison.Ordinal))
                    && (uint)(value[3] - '0') <= 9;
            default:
                return false;
        }
    }

    internal static string Describe(TenantSlugRule rule) => rule switch
    {
        TenantSlugRule.Empty => "a tenant slug must not be empty",
        TenantSlugRule.TooLong => $"a tenant slug is at most {MaxLength} characters",
        TenantSlugRule.InvalidCharacter => "a tenant slug may contain only lower-case letters a-z, digits 0-9, '-' and '_'",
        TenantSlugRule.MustStartWithLetterOrDigit => "a tenant slug must start with a letter or a digit",
        TenantSlugRule.ReservedName => "a tenant slug must not be a Windows device name (con, prn, aux, nul, com0-9, lpt0-9)",
        TenantSlugRule.ReservedPrefix => "a tenant slug must not start with 'pg_' (reserved for PostgreSQL system schemas)",
        _ => "the tenant slug is valid",
    };
}

/// <summary>The rule a tenant slug broke (see <see cref="TenantSlug"/>).</summary>
public enum TenantSlugRule
{
    /// <summary>The slug is valid.</summary>
    None = 0,

    /// <summary>The slug is null or empty.</summary>
    Empty,

    /// <summary>The slug is longer than <see cref="TenantSlug.MaxLength"/> characters.</summary>
    TooLong,

    /// <summary>The slug contains a character outside <c>a-z 0-9 - _</c> (upper case, dots, separators, control or non-ASCII characters).</summary>
    InvalidCharacter,

    /// <summary>The slug starts with <c>-</c> or <c>_</c>.</summary>
    MustStartWithLetterOrDigit,

    /// <summary>The slug is a Windows device name.</summary>
    ReservedName,

    /// <summary>The slug starts with <c>pg_</c>.</summary>
    ReservedPrefix,
}
