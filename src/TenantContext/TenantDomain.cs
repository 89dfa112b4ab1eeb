using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using Tenancy.Domains;

namespace Tenancy;

/// <summary>
/// Turns a request host into the tenant it belongs to: its registrable base domain by the Public Suffix List
/// (<c>API.Example.co.uk:8443</c> → <c>example.co.uk</c>), and a stable tenant slug
/// (<c>example-co-uk-1a2b3c4d</c>). Subdomains share their parent's tenant.
/// </summary>
/// <remarks>
/// <para>
/// <b>Hosts.</b> A host may carry a port (<c>:8443</c>, 1–65535), a trailing dot, upper case, and
/// internationalized labels in Unicode (<c>bücher.de</c>) or punycode (<c>xn--bcher-kva.de</c>): all spellings of
/// one name give one result. The base domain is returned in canonical ASCII form: lower case, no port, no
/// trailing dot, internationalized labels as punycode A-labels (converted with
/// <see cref="System.Globalization.IdnMapping"/>, UTS #46 with the STD3 rules).
/// </para>
/// <para>
/// <b>Refused hosts.</b> Anything else throws <see cref="InvalidTenantHostException"/> (an
/// <see cref="ArgumentException"/>) naming the rule broken (<see cref="TenantHostRule"/>); the <c>Try</c>
/// methods return false instead. Nothing else is ever thrown for a host, null and hostile values included:
/// empty values, control characters, white space, URL syntax (<c>/ \ @ ? # %</c>), <c>_</c> and other
/// punctuation, empty labels (<c>a..b</c>, a leading dot), labels over 63 or names over 253 characters, labels
/// starting or ending with <c>-</c>, broken punycode, and bad ports.
/// </para>
/// <para>
/// <b>Decisions.</b> IP literals (<c>127.0.0.1</c>, <c>[::1]</c>, <c>[2001:db8::1]:443</c>, and anything whose
/// last label is a number) and <c>localhost</c> (with the names under it) are not registrable domains: they
/// are refused with <see cref="TenantHostRule.IpAddress"/> and <see cref="TenantHostRule.Localhost"/>. Map
/// development and direct-IP hosts to a tenant explicitly (a host map or a default tenant) rather than
/// deriving one. A host that is itself a public suffix (<c>co.uk</c>, <c>github.io</c>, an unlisted top-level
/// label such as <c>example</c>) has no registrable domain and is refused with
/// <see cref="TenantHostRule.PublicSuffix"/>. Look-alike spellings that IDNA would fold into another host —
/// fullwidth or ideographic dots (<c>example．com</c>), fullwidth letters, ligatures, invisible characters such
/// as the soft hyphen — are refused with <see cref="TenantHostRule.LookAlike"/> rather than normalised, so
/// that a tenant has one spelling; genuinely different characters (a Cyrillic <c>а</c> in <c>exаmple.com</c>)
/// make a different, valid host and so a different tenant, which never collides with the ASCII original.
/// </para>
/// <para>
/// <b>Slugs.</b> The slug is the base domain's labels joined by <c>-</c>, cut to 54 characters (and trailing
/// hyphens trimmed), then <c>-</c> and the first 8 hexadecimal digits of the SHA-256 of the base domain's
/// ASCII form. It is at most 63 characters of <c>a-z 0-9 -</c> starting with a letter or digit, so it always
/// passes <see cref="TenantSlug"/>; the hash keeps apart domains whose readable parts coincide
/// (<c>a-b.com</c> and <c>a.b.com</c>) or are cut.
/// </para>
/// <para>
/// <b>The list.</b> <see cref="Default"/> uses the Public Suffix List embedded in this assembly (ICANN and
/// private sections), © its contributors, under the Mozilla Public License 2.0
/// (https://mozilla.org/MPL/2.0/; see <c>Domains/PUBLIC_SUFFIX_LIST_LICENSE.txt</c> in the source). Use
/// <see cref="Load"/> for a newer copy from https://publicsuffix.org/list/public_suffix_list.dat.
/// </para>
/// <para>
/// Instances are immutable and thread-safe. The rules are indexed once, in a dictionary of suffixes that a
/// lookup walks from the right without allocating; no regular expression is involved.
/// </para>
/// </remarks>
public sealed class TenantDomain
{
    /// <summary>The manifest name of the embedded list (see <c>TenantContext.csproj</c>).</summary>
    internal const string EmbeddedListName = "Tenancy.public_suffix_list.dat";

    private const int SlugKeyLength = 8;
    private const int SlugPrefixMaxLength = TenantSlug.MaxLength - SlugKeyLength - 1;

    private static readonly Lazy<TenantDomain> s_default = new(LoadEmbedded, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly PublicSuffixRules _rules;

    private TenantDomain(PublicSuffixRules rules) => _rules = rules;

    /// <summary>
    /// The resolver over the Public Suffix List embedded in this assembly, read on first use. (The list is
    /// MPL-2.0; see the remarks on <see cref="TenantDomain"/>.)
    /// </summary>
    public static TenantDomain Default => s_default.Value;

    /// <summary>The number of rules in this resolver's list (for diagnostics and tests).</summary>
    internal int RuleCount => _rules.RuleCount;

    /// <summary>Creates a resolver over a Public Suffix List file, for example a newer copy chosen by the user.</summary>
    /// <param name="publicSuffixListPath">The path of a file in the Public Suffix List format (UTF-8).</param>
    /// <returns>A resolver over that list.</returns>
    /// <exception cref="ArgumentException"><paramref name="publicSuffixListPath"/> is null or empty.</exception>
    /// <exception cref="IOException">The file cannot be read (for example <see cref="FileNotFoundException"/>).</exception>
    /// <exception cref="FormatException">A line is not a valid rule (the message names the line), or the file holds no rule.</exception>
    public static TenantDomain Load(string publicSuffixListPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(publicSuffixListPath);
        using var reader = new StreamReader(publicSuffixListPath, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return new TenantDomain(PublicSuffixRules.Parse(reader, publicSuffixListPath));
    }

    /// <summary>
    /// Creates a resolver over a list in the Public Suffix List format: one rule a line (read up to the first
    /// white space), <c>//</c> comment lines, wildcard rules <c>*.example</c> and exception rules <c>!www.example</c>.
    /// </summary>
    /// <param name="list">The list's text; read to its end, not disposed.</param>
    /// <returns>A resolver over that list.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="list"/> is null.</exception>
    /// <exception cref="FormatException">A line is not a valid rule (the message names the line), or the list holds no rule.</exception>
    public static TenantDomain Parse(TextReader list)
    {
        ArgumentNullException.ThrowIfNull(list);
        return new TenantDomain(PublicSuffixRules.Parse(list, "The public suffix list"));
    }

    /// <summary>
    /// Returns the registrable base domain of <paramref name="host"/> in canonical ASCII form:
    /// <c>API.Example.co.uk:8443</c> → <c>example.co.uk</c>, <c>www.bücher.de.</c> → <c>xn--bcher-kva.de</c>.
    /// </summary>
    /// <param name="host">A host as received, with an optional port and trailing dot.</param>
    /// <returns>The public suffix of the host and one more label, lower case, in ASCII.</returns>
    /// <exception cref="InvalidTenantHostException">
    /// The host is malformed, an IP address, <c>localhost</c>, or itself a public suffix; the message names the rule
    /// (see the remarks on <see cref="TenantDomain"/>).
    /// </exception>
    public string GetBaseDomain(string host)
    {
        var problem = Resolve(host, out string baseDomain);
        return problem is null ? baseDomain : throw problem.ToException(host);
    }

    /// <summary>Tries to get the registrable base domain of <paramref name="host"/>; never throws.</summary>
    /// <param name="host">A host as received, with an optional port and trailing dot.</param>
    /// <param name="baseDomain">The base domain as <see cref="GetBaseDomain"/> returns it, or null.</param>
    /// <returns>True when the host has a registrable domain; false when <see cref="GetBaseDomain"/> would throw.</returns>
    public bool TryGetBaseDomain(string host, [NotNullWhen(true)] out string? baseDomain)
    {
        var problem = Resolve(host, out string result);
        baseDomain = problem is null ? result : null;
        return problem is null;
    }

    /// <summary>
    /// Returns the tenant slug of <paramref name="host"/>: its base domain's labels joined by <c>-</c>, then
    /// <c>-</c> and an 8-hexadecimal-digit SHA-256 key (<c>www.example.co.uk</c> → <c>example-co-uk-</c> and the key).
    /// All subdomains of one base domain get the same slug, and the slug is stable across versions and machines.
    /// </summary>
    /// <param name="host">A host as received, with an optional port and trailing dot.</param>
    /// <returns>A valid <see cref="TenantSlug"/> of at most 63 characters.</returns>
    /// <exception cref="InvalidTenantHostException">The host has no registrable domain (see <see cref="GetBaseDomain"/>).</exception>
    public string GetTenantSlug(string host) => ToTenantSlug(GetBaseDomain(host));

    /// <summary>Tries to get the tenant slug of <paramref name="host"/>; never throws.</summary>
    /// <param name="host">A host as received, with an optional port and trailing dot.</param>
    /// <param name="slug">The slug as <see cref="GetTenantSlug"/> returns it, or null.</param>
    /// <returns>True when the host has a registrable domain; false when <see cref="GetTenantSlug"/> would throw.</returns>
    public bool TryGetTenantSlug(string host, [NotNullWhen(true)] out string? slug)
    {
        slug = TryGetBaseDomain(host, out string? baseDomain) ? ToTenantSlug(baseDomain) : null;
        return slug is not null;
    }

    /// <summary>Returns the tenant slug of <paramref name="host"/> by the embedded list: <c>Default.GetTenantSlug(host)</c>.</summary>
    /// <param name="host">A host as received, with an optional port and trailing dot.</param>
    /// <returns>A valid <see cref="TenantSlug"/> of at most 63 characters.</returns>
    /// <exception cref="InvalidTenantHostException">The host has no registrable domain (see <see cref="GetBaseDomain"/>).</exception>
    public static string ToSlug(string host) => Default.GetTenantSlug(host);

    private HostProblem? Resolve(string? host, out string baseDomain)
    {
        baseDomain = string.Empty;
        var problem = HostName.Normalize(host, out string name);
        if (problem is not null)
        {
            return problem;
        }

        int suffixLabels = _rules.GetPublicSuffixLabelCount(name);

        // Step left over the suffix's labels and one more: what remains to the right is the base domain.
        int start = name.Length;
        for (int i = 0; i <= suffixLabels; i++)
        {
            if (start <= 0)
            {
                return new(
                    TenantHostRule.PublicSuffix,
                    $"\"{name}\" is a public suffix (a name under which anyone can register domains), so it has no registrable domain; use a host under it, such as \"example.{name}\"");
            }

            start = name.LastIndexOf('.', start - 1);
        }

        baseDomain = start < 0 ? name : name[(start + 1)..];
        return null;
    }

    private static string ToTenantSlug(string baseDomain)
    {
        Span<byte> ascii = stackalloc byte[baseDomain.Length];
        Encoding.ASCII.GetBytes(baseDomain, ascii);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(ascii, hash);

        var readable = baseDomain.AsSpan();
        if (readable.Length > SlugPrefixMaxLength)
        {
            readable = readable[..SlugPrefixMaxLength].TrimEnd("-.");
        }

        Span<char> chars = stackalloc char[TenantSlug.MaxLength];
        readable.Replace(chars, '.', '-');
        chars[readable.Length] = '-';
        Convert.TryToHexStringLower(hash[..(SlugKeyLength / 2)], chars[(readable.Length + 1)..], out int keyLength);
        string slug = new(chars[..(readable.Length + 1 + keyLength)]);
        Debug.Assert(TenantSlug.IsValid(slug), $"TenantDomain made an invalid slug: {slug}");
        return slug;
    }

    private static TenantDomain LoadEmbedded()
    {
        using var stream = typeof(TenantDomain).Assembly.GetManifestResourceStream(EmbeddedListName)
            ?? throw new InvalidOperationException($"The embedded Public Suffix List '{EmbeddedListName}' is missing from {typeof(TenantDomain).Assembly.GetName().Name}; the assembly was built incorrectly.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return new TenantDomain(PublicSuffixRules.Parse(reader, "The embedded public suffix list"));
    }
}
