using System.Text;

namespace Tenancy.Tests;

/// <summary>
/// <see cref="TenantSlug"/>, the one validator: a corpus of hostile slugs, each refused by
/// <see cref="TenantContext.Enter(string)"/> with the exact rule and without touching the disk.
/// </summary>
public sealed class TenantSlugTests
{
    private const string Long63 = "abcdefghijklmnopqrstuvwxyz0123456789-_abcdefghijklmnopqrstuvwxy";

    /// <summary>The hostile corpus: each slug with the one rule it is refused for.</summary>
    private static readonly (string Slug, TenantSlugRule Rule)[] Hostile = BuildHostile();

    private static (string, TenantSlugRule)[] BuildHostile()
    {
        var list = new List<(string, TenantSlugRule)>();
        void Add(TenantSlugRule rule, params string[] slugs) => list.AddRange(slugs.Select(s => (s, rule)));

        Add(TenantSlugRule.Empty, "");

        Add(TenantSlugRule.TooLong,
            new string('a', 64), new string('a', 65), new string('a', 100), new string('a', 4096), new string('0', 64),
            string.Concat(Enumerable.Repeat("ab", 32)), string.Concat(Enumerable.Repeat("a-", 32)),
            string.Concat(Enumerable.Repeat("../", 22)), new string('A', 64), "-" + new string('a', 63),
            new string('x', 63) + "\0", "con" + new string('a', 61), "pg_" + new string('a', 61), Long63 + "z");

        // Traversal and dots: a dot is never allowed.
        Add(TenantSlugRule.InvalidCharacter,
            ".", "..", "...", "../x", "..\\x", "../../etc/passwd", "..\\..\\windows\\system32", ".hidden", "./a", "....//",
            "..;", ".%2e", "a/..", "a/../b", "a\\..\\b", "a..b", "a.b", "acme.", "acme..", "acme/../../x");

        // Separators and characters a path, a shell or a URL would interpret.
        Add(TenantSlugRule.InvalidCharacter,
            "a/b", "a\\b", "tenant/", "tenant\\", "a//b", "/", "\\", "/a", "\\a", "/etc/passwd", "\\\\server\\share",
            "a:b", "c:", "c:x", "c:\\x", "a*", "a?", "a<b", "a>b", "a|b", "a\"b", "a'b", "a;b", "a b", "~", "~a", "$a",
            "a+b", "a=b", "a&b", "a#b", "a@b", "a!b", "a(b)", "a[b]", "a{b}", "a,b", "a`b", "a^b", "a$b", "a~b");

        // NUL, control and invisible characters; whitespace.
        Add(TenantSlugRule.InvalidCharacter,
            "\0", "\0a", "a\0", "a\0b", "a\u0001", "a\u001f", "a\u007f", "a\u0085", "a\u00a0", "a\u2028", "a\u200b",
            "a\ufeff", "\ufeffa", "a\tb", "a\nb", "a\rb", "a\r\n", " ", "  ", "\t", "\n", " a", "a ", "acme\u180e");

        // Percent-encoding is not decoded: it is just refused.
        Add(TenantSlugRule.InvalidCharacter,
            "%2e%2e", "%2E%2E", "%2e%2e%2f", "%2e%2e%5c", "a%2fb", "a%5cb", "a%00", "%00", "a%2e%2e", "%252e%252e", "a%20b", "%c0%ae%c0%ae");

        // Upper case is refused, not folded: two spellings of one tenant must not exist.
        Add(TenantSlugRule.InvalidCharacter,
            "A", "Acme", "aCme", "ACME", "acmE", "CON", "Nul", "COM1", "LPT9", "PG_catalog", "Pg_x", "tenant-A", "\u0130", "a\u0130");

        // Unicode look-alikes, compatibility forms and direction tricks.
        Add(TenantSlugRule.InvalidCharacter,
            "\u0430cme",            // Cyrillic a
            "acm\u0435",            // Cyrillic e
            "\u0430",               // Cyrillic a alone
            "\u0441\u043e\u043f",   // Cyrillic "con"
            "\uff41\uff43\uff4d\uff45", // fullwidth acme
            "acm\uff45",            // fullwidth e
            "\uff10",               // fullwidth 0
            "\u0131",               // dotless i
            "adm\u0131n",           // admin with dotless i
            "e\u0301",              // e + combining acute
            "a\u0300",              // a + combining grave
            "acme\u202e",           // right-to-left override
            "\u202eemca",
            "a\u202dcme",           // left-to-right override
            "\u200dacme",           // zero-width joiner
            "ac\u200cme",           // zero-width non-joiner
            "\u2170",               // small roman numeral one
            "\u2460",               // circled digit one
            "\u0663",               // Arabic-Indic digit three
            "\ud835\udc1a",         // mathematical bold a (surrogate pair)
            "\ud800",               // lone high surrogate
            "a\udc00",              // lone low surrogate
            "\u00df",               // sharp s
            "\u017f",               // long s
            "\u212a",               // Kelvin sign
            "\ufb01",               // fi ligature
            "\u01c6",               // dz digraph
            "\u24d0",               // circled a
            "\uff41-b",
            "\u0391",               // Greek capital alpha
            "\u03bf",               // Greek omicron
            "caf\u00e9",
            "\u4e2d\u6587",
            "\u0627\u0644");

        Add(TenantSlugRule.MustStartWithLetterOrDigit,
            "-", "_", "-a", "_a", "--", "__", "-acme", "_acme", "-0", "_-", "-..", "_/x", "-pg_x", "_con", "-a/b");

        Add(TenantSlugRule.ReservedName, "con", "prn", "aux", "nul");
        Add(TenantSlugRule.ReservedName, Enumerable.Range(0, 10).Select(i => $"com{i}").ToArray());
        Add(TenantSlugRule.ReservedName, Enumerable.Range(0, 10).Select(i => $"lpt{i}").ToArray());

        Add(TenantSlugRule.ReservedPrefix, "pg_", "pg_catalog", "pg_toast", "pg_temp_1", "pg_x", "pg__", "pg_0", "pg_-");

        return list.ToArray();
    }

    private static readonly string[] Valid =
    [
        "a", "0", "9", "z", Long63, new string('z', 63), "a-b_c", "acme", "acme-corp", "tenant_1", "a-", "a_", "0-0",
        "a--b", "a__b", "con1", "conx", "com", "lpt", "com10", "lpt10", "nul1", "auxiliary", "pg", "pgx", "pg-catalog",
        "p_g", "xn--80ak6aa92e",
    ];

    /// <summary>An injective, printable-ASCII label for a slug, so test names survive any reporter.</summary>
    private static string Label(string slug)
    {
        var sb = new StringBuilder();
        foreach (char c in slug.Length > 70 ? slug[..70] : slug)
        {
            if (c is < (char)0x20 or >= (char)0x7f or '\\' or '"')
            {
                sb.Append("\\u").Append(((int)c).ToString("x4"));
            }
            else
            {
                sb.Append(c);
            }
        }

        return slug.Length > 70 ? $"{sb}...({slug.Length})" : sb.ToString();
    }

    private static readonly Dictionary<string, (string Slug, TenantSlugRule Rule)> ByLabel =
        Hostile.ToDictionary(h => Label(h.Slug), h => h);

    public static TheoryData<string> HostileLabels => new(Hostile.Select(h => Label(h.Slug)));

    public static TheoryData<string> ValidSlugs => new(Valid);

    [Fact]
    public void The_hostile_corpus_has_at_least_150_distinct_slugs()
    {
        Assert.True(Hostile.Length >= 150, $"only {Hostile.Length} hostile slugs");
        Assert.Equal(Hostile.Length, Hostile.Select(h => h.Slug).Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [MemberData(nameof(HostileLabels))]
    public void Enter_refuses_a_hostile_slug_with_the_rule_it_breaks_and_creates_nothing_on_disk(string label)
    {
        var (slug, rule) = ByLabel[label];
        using var root = new TempDir("slug");
        using var configuration = TenantConfiguration.Build(b => b.Storage(t => new FileTenantStorage(Path.Combine(root.Path, "tenants", t.Slug))));
        using (TenantContext.UseConfiguration(configuration))
        {
            var error = Assert.Throws<InvalidTenantSlugException>(() => TenantContext.Enter(slug));

            Assert.Equal(rule, error.Rule);
            Assert.Equal("tenant", error.ParamName);
            Assert.Equal(slug, error.Slug);
            Assert.False(TenantContext.IsActive);
            Assert.True(root.IsEmpty, $"something was created under {root.Path}");
        }
    }

    [Theory]
    [MemberData(nameof(HostileLabels))]
    public void Check_reports_the_rule_a_hostile_slug_breaks(string label)
    {
        var (slug, rule) = ByLabel[label];
        Assert.Equal(rule, TenantSlug.Check(slug));
        Assert.False(TenantSlug.IsValid(slug));
    }

    [Theory]
    [MemberData(nameof(HostileLabels))]
    public void The_refusal_message_escapes_the_slug_and_names_the_rule(string label)
    {
        var (slug, _) = ByLabel[label];
        var error = Assert.Throws<InvalidTenantSlugException>(() => TenantSlug.Validate(slug));
        Assert.All(error.Message, c => Assert.True(c is >= (char)0x20 and < (char)0x7f or '\u2026', $"raw character U+{(int)c:x4} in the message"));
        Assert.Contains("a tenant slug", error.Message);
    }

    [Fact]
    public void Enter_refuses_a_null_slug_as_an_invalid_slug()
    {
        using var configuration = TenantConfiguration.Build(_ => { });
        using (TenantContext.UseConfiguration(configuration))
        {
            var error = Assert.Throws<InvalidTenantSlugException>(() => TenantContext.Enter(null!));
            Assert.Equal(TenantSlugRule.Empty, error.Rule);
            Assert.Equal("tenant", error.ParamName);
        }
    }

    [Fact]
    public void Validate_reports_the_parameter_name_it_is_given()
    {
        var error = Assert.Throws<InvalidTenantSlugException>(() => TenantSlug.Validate("../x", "site"));
        Assert.Equal("site", error.ParamName);
    }

    [Fact]
    public void An_invalid_slug_is_an_ArgumentException()
    {
        Assert.IsAssignableFrom<ArgumentException>(Assert.Throws<InvalidTenantSlugException>(() => TenantSlug.Validate("..")));
    }

    [Fact]
    public void TenantInfo_refuses_an_invalid_slug()
    {
        var error = Assert.Throws<InvalidTenantSlugException>(() => new TenantInfo("../x"));
        Assert.Equal(TenantSlugRule.InvalidCharacter, error.Rule);
    }

    [Theory]
    [MemberData(nameof(ValidSlugs))]
    public void Enter_accepts_a_valid_slug_and_its_storage_lands_in_its_own_directory(string slug)
    {
        using var root = new TempDir("slug");
        using var configuration = TenantConfiguration.Build(b => b.Storage(t => new FileTenantStorage(Path.Combine(root.Path, "tenants", t.Slug))));
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter(slug))
        {
            Assert.Equal(slug, TenantContext.Current.Slug);
            TenantContext.GetStorage().Create("probe").Dispose();
        }

        Assert.Equal([Path.Combine(root.Path, "tenants", slug, "probe")], Directory.GetFiles(root.Path, "*", SearchOption.AllDirectories));
    }

    [Theory]
    [MemberData(nameof(ValidSlugs))]
    public void IsValid_accepts_a_valid_slug(string slug)
    {
        Assert.True(TenantSlug.IsValid(slug));
        Assert.Equal(TenantSlugRule.None, TenantSlug.Check(slug));
        Assert.Same(slug, TenantSlug.Validate(slug));
    }

    [Fact]
    public void The_longest_accepted_slug_is_63_characters()
    {
        Assert.Equal(63, TenantSlug.MaxLength);
        Assert.True(TenantSlug.IsValid(new string('a', 63)));
        Assert.False(TenantSlug.IsValid(new string('a', 64)));
    }
}
