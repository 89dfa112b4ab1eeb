using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Tenancy.Domains;

/// <summary>
/// Turns a host as it arrives (<c>API.Example.co.uk:8443</c>, <c>bücher.de.</c>) into its canonical ASCII
/// name (<c>api.example.co.uk</c>, <c>xn--bcher-kva.de</c>), or says which rule it broke. Never throws.
/// </summary>
/// <remarks>
/// The canonical name is lower case, without port and trailing dot, every label 1–63 letters, digits and
/// inner hyphens, internationalized labels as their punycode A-label. Everything else is refused, including
/// spellings that IDNA would fold into another host (fullwidth dots and letters, ligatures, soft hyphens):
/// one tenant has exactly one spelling per label, up to case and Unicode canonical equivalence (NFC).
/// </remarks>
internal static class HostName
{
    /// <summary>The longest host name, in ASCII, without the trailing dot (RFC 1035).</summary>
    public const int MaxLength = 253;

    /// <summary>The longest label, in ASCII (RFC 1035).</summary>
    public const int MaxLabelLength = 63;

    // Brackets, a trailing dot and ":65535" fit in this margin; anything longer is refused before any work.
    // (A refused spelling aside, a Unicode host is never longer than its ASCII form.)
    private const int MaxInputLength = MaxLength + 16;

    /// <summary>Normalizes a host as received (with optional port, trailing dot, IPv6 brackets).</summary>
    /// <returns>Null and the canonical ASCII name, or the problem.</returns>
    public static HostProblem? Normalize(string? host, out string asciiName)
    {
        asciiName = string.Empty;
        if (host is null)
        {
            return new(TenantHostRule.Empty, "the host is null");
        }

        if (host.Length == 0)
        {
            return new(TenantHostRule.Empty, "the host is empty");
        }

        if (host.Length > MaxInputLength)
        {
            return new(TenantHostRule.TooLong, $"it is {host.Length} characters long; a host name has at most {MaxLength}");
        }

        var problem = CheckCharacters(host, out bool nonAscii);
        if (problem is not null)
        {
            return problem;
        }

        problem = SplitPort(host, out ReadOnlySpan<char> name);
        if (problem is not null)
        {
            return problem;
        }

        if (name.Length > 0 && name[^1] == '.')
        {
            name = name[..^1];
        }

        if (name.Length == 0)
        {
            return new(TenantHostRule.Empty, "there is no host name before the port or the trailing dot");
        }

        problem = nonAscii ? NormalizeInternational(name, out asciiName) : NormalizeAscii(name, out asciiName);
        return problem ?? CheckSpecialNames(asciiName);
    }

    /// <summary>Normalizes a bare domain name (no port, no trailing dot): used for the rules of the suffix list.</summary>
    public static HostProblem? NormalizeName(ReadOnlySpan<char> name, out string asciiName)
    {
        asciiName = string.Empty;
        if (name.IsEmpty)
        {
            return new(TenantHostRule.Empty, "the name is empty");
        }

        foreach (char c in name)
        {
            if (c >= 0x80)
            {
                return NormalizeInternational(name, out asciiName);
            }
        }

        return NormalizeAscii(name, out asciiName);
    }

    private static HostProblem? CheckCharacters(string host, out bool nonAscii)
    {
        nonAscii = false;
        for (int i = 0; i < host.Length; i++)
        {
            char c = host[i];
            if (c < 0x80)
            {
                if (c < 0x20 || c == 0x7f)
                {
                    return new(TenantHostRule.InvalidCharacter, $"it contains the control character {Code(c)}");
                }

                switch (c)
                {
                    case ' ':
                        return new(TenantHostRule.InvalidCharacter, "it contains white space; pass the host alone, trimmed");
                    case '/' or '\\':
                        return new(TenantHostRule.UrlSyntax, $"it contains '{c}': pass a host such as 'example.com', not a URL or a path");
                    case '@':
                        return new(TenantHostRule.UrlSyntax, "it contains '@': user information is not part of a host");
                    case '?' or '#':
                        return new(TenantHostRule.UrlSyntax, $"it contains '{c}': a query or a fragment is not part of a host");
                    case '%':
                        return new(TenantHostRule.UrlSyntax, "it contains '%': percent-encoding is not accepted in a host");
                }

                continue;
            }

            nonAscii = true;
            if (char.IsHighSurrogate(c) && i + 1 < host.Length && char.IsLowSurrogate(host[i + 1]))
            {
                i++;
                continue;
            }

            if (char.IsSurrogate(c))
            {
                return new(TenantHostRule.InvalidCharacter, $"it contains the unpaired surrogate {Code(c)}: the text is not valid UTF-16");
            }

            if (char.IsControl(c))
            {
                return new(TenantHostRule.InvalidCharacter, $"it contains the control character {Code(c)}");
            }

            if (char.IsWhiteSpace(c))
            {
                return new(TenantHostRule.InvalidCharacter, $"it contains the white-space character {Code(c)}");
            }

            if (c is '\u3002' or '\uFF0E' or '\uFF61')
            {
                return new(TenantHostRule.LookAlike, $"it contains {Code(c)}, a look-alike of '.'; labels are separated by '.' (U+002E) only");
            }
        }

        return null;
    }

    private static HostProblem? SplitPort(string host, out ReadOnlySpan<char> name)
    {
        name = host;
        if (host[0] == '[')
        {
            int close = host.IndexOf(']');
            if (close < 0)
            {
                return new(TenantHostRule.InvalidCharacter, "it starts with '[' but has no closing ']'");
            }

            var rest = host.AsSpan(close + 1);
            if (!rest.IsEmpty)
            {
                if (rest[0] != ':')
                {
                    return new(TenantHostRule.InvalidPort, "only ':' and a port may follow ']'");
                }

                var portProblem = CheckPort(rest[1..]);
                if (portProblem is not null)
                {
                    return portProblem;
                }
            }

            return IPAddress.TryParse(host.AsSpan(1, close - 1), out var literal) && literal.AddressFamily == AddressFamily.InterNetworkV6
                ? IpLiteral("an IPv6 address")
                : new(TenantHostRule.InvalidCharacter, "the text between '[' and ']' is not an IPv6 address");
        }

        int colon = host.IndexOf(':');
        if (colon < 0)
        {
            return null;
        }

        if (host.IndexOf(':', colon + 1) >= 0)
        {
            return IPAddress.TryParse(host, out var bare) && bare.AddressFamily == AddressFamily.InterNetworkV6
                ? IpLiteral("an IPv6 address")
                : new(TenantHostRule.InvalidPort, "it contains more than one ':'; at most one ':port' may follow the host");
        }

        name = host.AsSpan(0, colon);
        return CheckPort(host.AsSpan(colon + 1));
    }

    private static HostProblem? CheckPort(ReadOnlySpan<char> port)
    {
        if (port.IsEmpty)
        {
            return new(TenantHostRule.InvalidPort, "the port after ':' is empty");
        }

        int value = 0;
        if (port.Length <= 5)
        {
            foreach (char c in port)
            {
                if (!char.IsAsciiDigit(c))
                {
                    value = -1;
                    break;
                }

                value = (value * 10) + (c - '0');
            }
        }

        return value is >= 1 and <= 65535
            ? null
            : new(TenantHostRule.InvalidPort, "the port after ':' is not a decimal number from 1 to 65535");
    }

    private static HostProblem? NormalizeAscii(ReadOnlySpan<char> name, out string asciiName)
    {
        asciiName = string.Empty;
        if (name.Length > MaxLength)
        {
            return TooLong(name.Length);
        }

        Span<char> lower = stackalloc char[name.Length];
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsAsciiLetterUpper(c))
            {
                c = (char)(c | 0x20);
            }
            else if (!char.IsAsciiLetterLower(c) && !char.IsAsciiDigit(c) && c != '-' && c != '.')
            {
                return new(TenantHostRule.InvalidCharacter, $"it contains '{c}'; a host name holds only letters, digits, '-' and '.'");
            }

            lower[i] = c;
        }

        int start = 0;
        while (true)
        {
            int dot = lower[start..].IndexOf('.');
            var label = dot < 0 ? lower[start..] : lower.Slice(start, dot);
            var problem = CheckAsciiLabel(label);
            if (problem is not null)
            {
                return problem;
            }

            if (dot < 0)
            {
                break;
            }

            start += dot + 1;
        }

        asciiName = new string(lower);
        return null;
    }

    /// <summary>Checks one lower-case label made only of letters, digits and hyphens.</summary>
    private static HostProblem? CheckAsciiLabel(ReadOnlySpan<char> label)
    {
        if (label.IsEmpty)
        {
            return new(TenantHostRule.EmptyLabel, "it has an empty label (a leading '.' or '..')");
        }

        if (label.Length > MaxLabelLength)
        {
            return new(TenantHostRule.LabelTooLong, $"the label \"{Cut(label)}\" is {label.Length} characters long; a label has at most {MaxLabelLength}");
        }

        if (label[0] == '-' || label[^1] == '-')
        {
            return new(TenantHostRule.Hyphen, $"the label \"{Cut(label)}\" starts or ends with '-'");
        }

        if (label.StartsWith("xn--", StringComparison.Ordinal))
        {
            string aLabel = label.ToString();
            try
            {
                var idn = NewIdnMapping();
                string unicode = idn.GetUnicode(aLabel);
                if (!string.Equals(idn.GetAscii(unicode), aLabel, StringComparison.Ordinal))
                {
                    return new(TenantHostRule.InvalidIdn, $"the label \"{aLabel}\" is not the canonical punycode of the name it encodes");
                }
            }
            catch (ArgumentException e)
            {
                return new(TenantHostRule.InvalidIdn, $"the label \"{aLabel}\" is not valid punycode (IDNA)", e);
            }
        }

        return null;
    }

    private static HostProblem? NormalizeInternational(ReadOnlySpan<char> name, out string asciiName)
    {
        asciiName = string.Empty;
        var idn = NewIdnMapping();
        var ascii = new StringBuilder(name.Length + 16);
        var unicode = new StringBuilder(name.Length);
        int start = 0;
        while (true)
        {
            int dot = name[start..].IndexOf('.');
            var label = dot < 0 ? name[start..] : name.Slice(start, dot);
            if (ascii.Length > 0)
            {
                ascii.Append('.');
                unicode.Append('.');
            }

            if (!Ascii.IsValid(label))
            {
                var problem = ToALabel(idn, label.ToString(), out string aLabel, out string uLabel);
                if (problem is not null)
                {
                    return problem;
                }

                ascii.Append(aLabel);
                unicode.Append(uLabel);
            }
            else
            {
                var problem = NormalizeAscii(label, out string lowerLabel);
                if (problem is not null)
                {
                    return problem;
                }

                ascii.Append(lowerLabel);
                unicode.Append(lowerLabel);
            }

            if (ascii.Length > MaxLength)
            {
                return TooLong(ascii.Length);
            }

            if (dot < 0)
            {
                break;
            }

            start += dot + 1;
        }

        // Label by label is not enough for IDNA: the bidirectional rules look at the whole name.
        string result = ascii.ToString();
        try
        {
            if (!string.Equals(idn.GetAscii(unicode.ToString()), result, StringComparison.Ordinal))
            {
                return new(TenantHostRule.InvalidIdn, "IDNA reads the host differently as a whole than label by label");
            }
        }
        catch (ArgumentException e)
        {
            return new(TenantHostRule.InvalidIdn, "IDNA refuses the host as a whole (for example, it mixes right-to-left and left-to-right labels)", e);
        }

        asciiName = result;
        return null;
    }

    /// <summary>Converts one label holding non-ASCII characters to its A-label, refusing non-canonical spellings.</summary>
    private static HostProblem? ToALabel(IdnMapping idn, string label, out string aLabel, out string uLabel)
    {
        aLabel = uLabel = string.Empty;
        string a, u;
        try
        {
            a = idn.GetAscii(label);
            u = idn.GetUnicode(a);
        }
        catch (ArgumentException e)
        {
            return new(TenantHostRule.InvalidIdn, $"the label {MessageText.Quote(label)} is not a valid internationalized label (IDNA refuses it)", e);
        }

        // IDNA maps many characters to others (case, fullwidth forms, ligatures, ignored characters). Case is
        // folded; any other mapping means the host was spelled with look-alikes of another host's characters.
        string composed = label.Normalize(NormalizationForm.FormC);
        if (!a.StartsWith("xn--", StringComparison.Ordinal)
            || !string.Equals(u, composed.ToLowerInvariant(), StringComparison.Ordinal)
            || !string.Equals(u.ToUpperInvariant(), composed.ToUpperInvariant(), StringComparison.Ordinal))
        {
            return new(
                TenantHostRule.LookAlike,
                $"the label {MessageText.Quote(label)} is not in canonical form (IDNA reads it as {MessageText.Quote(u)}); "
                + "fullwidth letters and digits, ligatures and invisible characters are refused, not folded");
        }

        var problem = CheckAsciiLabel(a);
        if (problem is not null)
        {
            return problem;
        }

        aLabel = a;
        uLabel = u;
        return null;
    }

    private static HostProblem? CheckSpecialNames(string asciiName)
    {
        var last = asciiName.AsSpan(asciiName.LastIndexOf('.') + 1);
        if (IsNumeric(last))
        {
            return IpLiteral("an IPv4 address (or looks like one: its last label is a number)");
        }

        if (last.SequenceEqual("localhost"))
        {
            return new(
                TenantHostRule.Localhost,
                "localhost and the names under it are loopback names, not registrable domains; map development hosts to a tenant explicitly");
        }

        return null;
    }

    /// <summary>A label that URL parsers read as part of an IPv4 address: decimal, or <c>0x</c> hexadecimal.</summary>
    private static bool IsNumeric(ReadOnlySpan<char> label)
    {
        if (label.Length >= 2 && label[0] == '0' && label[1] == 'x')
        {
            return !label[2..].ContainsAnyExcept("0123456789abcdef");
        }

        return !label.ContainsAnyExceptInRange('0', '9');
    }

    private static HostProblem IpLiteral(string what) => new(
        TenantHostRule.IpAddress,
        $"it is {what}; an IP address has no registrable domain, so map it to a tenant explicitly");

    private static HostProblem TooLong(int length) =>
        new(TenantHostRule.TooLong, $"it is {length} characters long; a host name has at most {MaxLength}");

    private static IdnMapping NewIdnMapping() => new() { UseStd3AsciiRules = true, AllowUnassigned = false };

    private static string Code(char c) => $"U+{(int)c:X4}";

    private static string Cut(ReadOnlySpan<char> label) => label.Length <= 24 ? label.ToString() : string.Concat(label[..24], "…");
}
