using System.Text;
using System.Text.RegularExpressions;

namespace Tenancy.Tests;

public sealed class TenantDomainTests
{
    private static readonly Regex SlugShape = new("^[a-z0-9][a-z0-9_-]{0,62}$", RegexOptions.CultureInvariant);

    private static TenantDomain Domains => TenantDomain.Default;

    // ---- The Public Suffix List's own test vectors (checkPublicSuffix, publicsuffix.org/list/) ----------------

    /// <summary>(host, expected registrable domain in ASCII, or null when there is none).</summary>
    public static TheoryData<string, string?> PublicSuffixVectors => new()
    {
        // Mixed case.
        { "COM", null },
        { "example.COM", "example.com" },
        { "WwW.example.COM", "example.com" },

        // Leading dot.
        { ".com", null },
        { ".example", null },
        { ".example.com", null },
        { ".example.example", null },

        // Unlisted TLD.
        { "example", null },
        { "example.example", "example.example" },
        { "b.example.example", "example.example" },
        { "a.b.example.example", "example.example" },

        // TLD with only 1 rule.
        { "biz", null },
        { "domain.biz", "domain.biz" },
        { "b.domain.biz", "domain.biz" },
        { "a.b.domain.biz", "domain.biz" },

        // TLD with some 2-level rules.
        { "com", null },
        { "example.com", "example.com" },
        { "b.example.com", "example.com" },
        { "a.b.example.com", "example.com" },
        { "uk.com", null },
        { "example.uk.com", "example.uk.com" },
        { "b.example.uk.com", "example.uk.com" },
        { "a.b.example.uk.com", "example.uk.com" },
        { "test.ac", "test.ac" },

        // TLD with only 1 (wildcard) rule.
        { "mm", null },
        { "c.mm", null },
        { "b.c.mm", "b.c.mm" },
        { "a.b.c.mm", "b.c.mm" },

        // More complex TLD.
        { "jp", null },
        { "test.jp", "test.jp" },
        { "www.test.jp", "test.jp" },
        { "ac.jp", null },
        { "test.ac.jp", "test.ac.jp" },
        { "www.test.ac.jp", "test.ac.jp" },
        { "kyoto.jp", null },
        { "test.kyoto.jp", "test.kyoto.jp" },
        { "ide.kyoto.jp", null },
        { "b.ide.kyoto.jp", "b.ide.kyoto.jp" },
        { "a.b.ide.kyoto.jp", "b.ide.kyoto.jp" },
        { "c.kobe.jp", null },
        { "b.c.kobe.jp", "b.c.kobe.jp" },
        { "a.b.c.kobe.jp", "b.c.kobe.jp" },
        { "city.kobe.jp", "city.kobe.jp" },
        { "www.city.kobe.jp", "city.kobe.jp" },
        { "c.kawasaki.jp", null },
        { "b.c.kawasaki.jp", "b.c.kawasaki.jp" },
        { "city.kawasaki.jp", "city.kawasaki.jp" },
        { "www.city.kawasaki.jp", "city.kawasaki.jp" },

        // TLD with a wildcard rule and exceptions.
        { "ck", null },
        { "test.ck", null },
        { "b.test.ck", "b.test.ck" },
        { "a.b.test.ck", "b.test.ck" },
        { "www.ck", "www.ck" },
        { "www.www.ck", "www.ck" },

        // US K12.
        { "us", null },
        { "test.us", "test.us" },
        { "www.test.us", "test.us" },
        { "ak.us", null },
        { "test.ak.us", "test.ak.us" },
        { "www.test.ak.us", "test.ak.us" },
        { "k12.ak.us", null },
        { "test.k12.ak.us", "test.k12.ak.us" },
        { "www.test.k12.ak.us", "test.k12.ak.us" },

        // IDN labels (the expected values in their ASCII form, as TenantDomain returns them).
        { "食狮.com.cn", "xn--85x722f.com.cn" },
        { "食狮.公司.cn", "xn--85x722f.xn--55qx5d.cn" },
        { "www.食狮.公司.cn", "xn--85x722f.xn--55qx5d.cn" },
        { "shishi.公司.cn", "shishi.xn--55qx5d.cn" },
        { "公司.cn", null },
        { "食狮.中国", "xn--85x722f.xn--fiqs8s" },
        { "www.食狮.中国", "xn--85x722f.xn--fiqs8s" },
        { "shishi.中国", "shishi.xn--fiqs8s" },
        { "中国", null },

        // Same as above, but punycoded.
        { "xn--85x722f.com.cn", "xn--85x722f.com.cn" },
        { "xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn" },
        { "www.xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn" },
        { "shishi.xn--55qx5d.cn", "shishi.xn--55qx5d.cn" },
        { "xn--55qx5d.cn", null },
        { "xn--85x722f.xn--fiqs8s", "xn--85x722f.xn--fiqs8s" },
        { "www.xn--85x722f.xn--fiqs8s", "xn--85x722f.xn--fiqs8s" },
        { "shishi.xn--fiqs8s", "shishi.xn--fiqs8s" },
        { "xn--fiqs8s", null },

        // The private section of the list.
        { "github.io", null },
        { "acme.github.io", "acme.github.io" },
        { "www.acme.github.io", "acme.github.io" },
        { "c.eu-west-1.compute.amazonaws.com", "c.eu-west-1.compute.amazonaws.com" },
        { "b.c.eu-west-1.compute.amazonaws.com", "c.eu-west-1.compute.amazonaws.com" },
        { "eu-west-1.compute.amazonaws.com", null },
    };

    [Theory]
    [MemberData(nameof(PublicSuffixVectors))]
    public void Base_domain_follows_the_public_suffix_list_test_vectors(string host, string? expected)
    {
        bool found = Domains.TryGetBaseDomain(host, out string? baseDomain);

        Assert.Equal(expected is not null, found);
        Assert.Equal(expected, baseDomain);
    }

    [Theory]
    [MemberData(nameof(PublicSuffixVectors))]
    public void Get_base_domain_agrees_with_try_get_base_domain(string host, string? expected)
    {
        if (expected is null)
        {
            Assert.Throws<InvalidTenantHostException>(() => Domains.GetBaseDomain(host));
        }
        else
        {
            Assert.Equal(expected, Domains.GetBaseDomain(host));
        }
    }

    [Fact]
    public void A_null_host_has_no_base_domain()
    {
        Assert.False(Domains.TryGetBaseDomain(null!, out string? baseDomain));
        Assert.Null(baseDomain);
        var error = Assert.Throws<InvalidTenantHostException>(() => Domains.GetBaseDomain(null!));
        Assert.Equal(TenantHostRule.Empty, error.Rule);
    }

    // ---- Spellings of one host -------------------------------------------------------------------------------

    [Theory]
    [InlineData("API.Example.co.uk:8443")]
    [InlineData("api.example.co.uk")]
    [InlineData("EXAMPLE.CO.UK")]
    [InlineData("example.co.uk.")]
    [InlineData("www.example.co.uk.:443")]
    [InlineData("example.co.uk:1")]
    [InlineData("example.co.uk:65535")]
    [InlineData("example.co.uk:00080")]
    [InlineData("a.b.c.d.example.co.uk")]
    public void Ports_case_trailing_dots_and_subdomains_do_not_change_the_base_domain(string host)
    {
        Assert.Equal("example.co.uk", Domains.GetBaseDomain(host));
    }

    [Theory]
    [InlineData("bücher.de")]
    [InlineData("BÜCHER.DE")]
    [InlineData("Bücher.de.")]
    [InlineData("www.bücher.de:8080")]
    [InlineData("xn--bcher-kva.de")]
    [InlineData("XN--BCHER-KVA.DE")]
    [InlineData("shop.xn--bcher-kva.de.")]
    [InlineData("bu\u0308cher.de")] // decomposed ü: canonically equivalent (NFC) to the precomposed spelling
    public void Unicode_and_punycode_spellings_of_an_internationalized_domain_are_one_tenant(string host)
    {
        Assert.Equal("xn--bcher-kva.de", Domains.GetBaseDomain(host));
        Assert.Equal("xn--bcher-kva-de-dfb7cbae", Domains.GetTenantSlug(host));
    }

    [Fact]
    public void Subdomains_share_their_parents_tenant()
    {
        string parent = Domains.GetTenantSlug("example.co.uk");

        Assert.Equal(parent, Domains.GetTenantSlug("www.example.co.uk"));
        Assert.Equal(parent, Domains.GetTenantSlug("api.example.co.uk"));
        Assert.Equal(parent, Domains.GetTenantSlug("a.b.c.example.co.uk:8443"));
    }

    [Theory]
    [InlineData("example.co.uk", "other.co.uk")]
    [InlineData("example.co.uk", "example.com")]
    [InlineData("example.com", "example.com.au")]
    [InlineData("acme.github.io", "other.github.io")]
    [InlineData("a-b.com", "a.b-com.net")]
    public void Different_registrable_domains_are_different_tenants(string one, string other)
    {
        Assert.NotEqual(Domains.GetTenantSlug(one), Domains.GetTenantSlug(other));
    }

    [Fact]
    public void Domains_with_the_same_readable_part_are_kept_apart_by_the_key()
    {
        // Both read "a-b-com"; only the hash tells them apart.
        string hyphenated = Domains.GetTenantSlug("a-b.com");
        string dotted = Domains.GetTenantSlug("www.a-b.com");
        string parent = Domains.GetTenantSlug("b.com");

        Assert.Equal("a-b-com-3e326853", hyphenated);
        Assert.Equal(hyphenated, dotted);
        Assert.NotEqual(hyphenated, parent);
    }

    // ---- Look-alikes -----------------------------------------------------------------------------------------

    [Theory]
    [InlineData("ex\u0430mple.com", "xn--exmple-4nf.com")] // Cyrillic а
    [InlineData("\u0435xample.com", "xn--xample-2of.com")] // Cyrillic е
    [InlineData("exämple.com", "xn--exmple-cua.com")]
    public void A_homograph_is_a_valid_host_of_its_own_and_never_the_ascii_original(string lookAlike, string expected)
    {
        Assert.Equal(expected, Domains.GetBaseDomain(lookAlike));
        Assert.NotEqual(Domains.GetTenantSlug("example.com"), Domains.GetTenantSlug(lookAlike));
    }

    [Theory]
    [InlineData("example\uFF0Ecom")] // fullwidth full stop
    [InlineData("example\u3002com")] // ideographic full stop
    [InlineData("example\uFF61com")] // halfwidth ideographic full stop
    [InlineData("\uFF45\uFF58\uFF41\uFF4D\uFF50\uFF4C\uFF45.com")] // fullwidth letters
    [InlineData("exam\u00ADple.com")] // soft hyphen, which IDNA deletes
    [InlineData("\uFB01le.com")] // the ligature fi
    [InlineData("\u212Aey.com")] // Kelvin sign, which lower-cases to k
    public void A_spelling_that_idna_would_fold_into_another_host_is_refused_not_folded(string lookAlike)
    {
        var error = Assert.Throws<InvalidTenantHostException>(() => Domains.GetTenantSlug(lookAlike));

        Assert.Equal(TenantHostRule.LookAlike, error.Rule);
    }

    // ---- IP literals, localhost and public suffixes ------------------------------------------------------------

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:8080")]
    [InlineData("192.168.1.10.")]
    [InlineData("[::1]")]
    [InlineData("[::1]:5001")]
    [InlineData("[2001:db8::1]:443")]
    [InlineData("::1")]
    [InlineData("2001:db8::1")]
    public void An_ip_literal_has_no_registrable_domain(string host)
    {
        Assert.False(Domains.TryGetTenantSlug(host, out _));
        var error = Assert.Throws<InvalidTenantHostException>(() => Domains.GetBaseDomain(host));
        Assert.Equal(TenantHostRule.IpAddress, error.Rule);
        Assert.Contains("IP address", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("LocalHost:5000")]
    [InlineData("localhost.")]
    [InlineData("api.localhost")]
    public void Localhost_has_no_registrable_domain(string host)
    {
        Assert.False(Domains.TryGetTenantSlug(host, out _));
        var error = Assert.Throws<InvalidTenantHostException>(() => Domains.GetBaseDomain(host));
        Assert.Equal(TenantHostRule.Localhost, error.Rule);
        Assert.Contains("localhost", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("co.uk")]
    [InlineData("CO.UK.")]
    [InlineData("github.io:443")]
    [InlineData("com")]
    [InlineData("example")]
    [InlineData("test.ck")]
    [InlineData("公司.cn")]
    public void A_public_suffix_has_no_registrable_domain(string host)
    {
        Assert.False(Domains.TryGetTenantSlug(host, out string? slug));
        Assert.Null(slug);
        var error = Assert.Throws<InvalidTenantHostException>(() => Domains.GetTenantSlug(host));
        Assert.Equal(TenantHostRule.PublicSuffix, error.Rule);
        Assert.Contains("public suffix", error.Message, StringComparison.Ordinal);
    }

    // ---- Slugs ---------------------------------------------------------------------------------------------

    /// <summary>Golden values, computed once (SHA-256 of the ASCII base domain) and pinned: slugs must never change.</summary>
    public static TheoryData<string, string> GoldenSlugs => new()
    {
        { "example.co.uk", "example-co-uk-52389233" },
        { "API.Example.co.uk:8443", "example-co-uk-52389233" },
        { "example.com", "example-com-a379a6f6" },
        { "www.example.com.", "example-com-a379a6f6" },
        { "bücher.de", "xn--bcher-kva-de-dfb7cbae" },
        { "食狮.com.cn", "xn--85x722f-com-cn-34150784" },
        { "shop.公司.cn", "shop-xn--55qx5d-cn-6b924ef9" },
        { "www.ck", "www-ck-f970ce29" },
        { "bar.b.test.ck", "b-test-ck-336e0fdd" },
        { "foo.github.io", "foo-github-io-c8cb4be2" },
        { "example.example", "example-example-2e7c87cf" },
        { "www.city.kobe.jp", "city-kobe-jp-7ec788f2" },
        { "ex\u0430mple.com", "xn--exmple-4nf-com-9f6c571e" },
        // Long base domains: the readable part is cut to 54 characters, trailing '-' and '.' trimmed.
        { "www.abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabc.co.uk", "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcd-edafd175" },
        { new string('x', 54) + ".com", new string('x', 54) + "-692bc9ca" },
        { new string('x', 53) + ".com", new string('x', 53) + "-349ea968" },
        { new string('y', 53) + "-z.com", new string('y', 53) + "-04a95c6d" },
    };

    [Theory]
    [MemberData(nameof(GoldenSlugs))]
    public void The_tenant_slug_is_stable(string host, string expected)
    {
        Assert.Equal(expected, Domains.GetTenantSlug(host));
    }

    [Theory]
    [MemberData(nameof(GoldenSlugs))]
    public void The_tenant_slug_is_a_valid_slug(string host, string expected)
    {
        string slug = Domains.GetTenantSlug(host);

        Assert.Equal(expected, slug);
        Assert.InRange(slug.Length, 1, 63);
        Assert.Matches(SlugShape, slug);
        Assert.True(TenantSlug.IsValid(slug), $"TenantSlug refuses {slug}");
    }

    [Fact]
    public void The_slug_key_is_the_first_eight_hex_digits_of_the_sha256_of_the_ascii_base_domain()
    {
        string expectedKey = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.ASCII.GetBytes("xn--bcher-kva.de")))[..8];

        Assert.Equal("xn--bcher-kva-de-" + expectedKey, Domains.GetTenantSlug("www.bücher.de"));
    }

    [Fact]
    public void Long_domains_that_share_their_readable_part_get_different_slugs()
    {
        string common = new string('q', 60);
        string one = Domains.GetTenantSlug(common + "one.com");
        string other = Domains.GetTenantSlug(common + "two.com");

        Assert.Equal(one[..54], other[..54]);
        Assert.NotEqual(one, other);
        Assert.Equal(63, one.Length);
    }

    [Fact]
    public void The_longest_hosts_give_valid_slugs()
    {
        // 253 characters: four labels of 63, 63, 63 and 61 characters, under an unlisted top-level label.
        string label = new('m', 63);
        string host = $"{label}.{label}.{label}.{new string('t', 61)}";
        Assert.Equal(253, host.Length);

        string slug = Domains.GetTenantSlug(host + ".:65535");

        Assert.Equal(63, slug.Length);
        Assert.True(TenantSlug.IsValid(slug));
    }

    [Fact]
    public void To_slug_uses_the_embedded_list()
    {
        Assert.Equal(TenantDomain.Default.GetTenantSlug("www.example.co.uk"), TenantDomain.ToSlug("www.example.co.uk"));
    }

    [Fact]
    public void Try_get_tenant_slug_returns_the_slug_of_a_valid_host()
    {
        Assert.True(Domains.TryGetTenantSlug("shop.example.co.uk", out string? slug));
        Assert.Equal("example-co-uk-52389233", slug);
    }

    // ---- Hostile hosts -----------------------------------------------------------------------------------------

    /// <summary>(host, the rule it breaks). Every one must give <see cref="InvalidTenantHostException"/> and nothing else.</summary>
    public static TheoryData<string, TenantHostRule> HostileHosts
    {
        get
        {
            string label63 = new('a', 63);
            string label64 = new('a', 64);
            var data = new TheoryData<string, TenantHostRule>
            {
                // Empty and white space.
                { "", TenantHostRule.Empty },
                { ".", TenantHostRule.Empty },
                { ":80", TenantHostRule.Empty },
                { " ", TenantHostRule.InvalidCharacter },
                { " example.com", TenantHostRule.InvalidCharacter },
                { "example.com ", TenantHostRule.InvalidCharacter },
                { "exa mple.com", TenantHostRule.InvalidCharacter },
                { "example.com\u00A0", TenantHostRule.InvalidCharacter },
                { "example.com\u3000", TenantHostRule.InvalidCharacter },
                { "example\u2028.com", TenantHostRule.InvalidCharacter },

                // Control characters.
                { "\t", TenantHostRule.InvalidCharacter },
                { "\0", TenantHostRule.InvalidCharacter },
                { "example.com\0", TenantHostRule.InvalidCharacter },
                { "exam\0ple.com", TenantHostRule.InvalidCharacter },
                { "example.com\0.evil.com", TenantHostRule.InvalidCharacter },
                { "example.com\r\nX-Injected: 1", TenantHostRule.InvalidCharacter },
                { "example.com\n", TenantHostRule.InvalidCharacter },
                { "exa\u007Fmple.com", TenantHostRule.InvalidCharacter },
                { "exa\u0085mple.com", TenantHostRule.InvalidCharacter },
                { "\u001Bexample.com", TenantHostRule.InvalidCharacter },

                // URLs and paths instead of hosts.
                { "example.com/", TenantHostRule.UrlSyntax },
                { "example.com/path", TenantHostRule.UrlSyntax },
                { "http://example.com", TenantHostRule.UrlSyntax },
                { "https://user:pass@example.com/", TenantHostRule.UrlSyntax },
                { "//example.com", TenantHostRule.UrlSyntax },
                { "example.com\\", TenantHostRule.UrlSyntax },
                { "\\\\server\\share", TenantHostRule.UrlSyntax },
                { "../etc/passwd", TenantHostRule.UrlSyntax },
                { "..\\..\\windows", TenantHostRule.UrlSyntax },
                { "example.com:80/", TenantHostRule.UrlSyntax },
                { "example%2ecom", TenantHostRule.UrlSyntax },
                { "%65xample.com", TenantHostRule.UrlSyntax },
                { "example.com%00", TenantHostRule.UrlSyntax },
                { "[fe80::1%25eth0]", TenantHostRule.UrlSyntax },
                { "user@example.com", TenantHostRule.UrlSyntax },
                { "user:pass@example.com", TenantHostRule.UrlSyntax },
                { "@example.com", TenantHostRule.UrlSyntax },
                { "example.com?x=1", TenantHostRule.UrlSyntax },
                { "example.com#top", TenantHostRule.UrlSyntax },

                // Empty labels.
                { "..", TenantHostRule.EmptyLabel },
                { "...", TenantHostRule.EmptyLabel },
                { "a..b", TenantHostRule.EmptyLabel },
                { ".example.com", TenantHostRule.EmptyLabel },
                { "example..com", TenantHostRule.EmptyLabel },
                { "example.com..", TenantHostRule.EmptyLabel },
                { "www..example.com:443", TenantHostRule.EmptyLabel },
                { "bücher..de", TenantHostRule.EmptyLabel },

                // Lengths.
                { label64 + ".com", TenantHostRule.LabelTooLong },
                { "www." + label64 + ".example.com", TenantHostRule.LabelTooLong },
                { $"{label63}.{label63}.{label63}.{label63}.com", TenantHostRule.TooLong },
                { string.Concat(Enumerable.Repeat("a.", 127)) + "com", TenantHostRule.TooLong },
                { new string('a', 100_000), TenantHostRule.TooLong },
                { new string('a', 254), TenantHostRule.TooLong },

                // Characters a host name cannot hold.
                { "exa_mple.com", TenantHostRule.InvalidCharacter },
                { "_dmarc.example.com", TenantHostRule.InvalidCharacter },
                { "*", TenantHostRule.InvalidCharacter },
                { "*.example.com", TenantHostRule.InvalidCharacter },
                { "exa*mple.com", TenantHostRule.InvalidCharacter },
                { "exa\"mple.com", TenantHostRule.InvalidCharacter },
                { "<script>.com", TenantHostRule.InvalidCharacter },
                { "example.com;", TenantHostRule.InvalidCharacter },
                { "exa,mple.com", TenantHostRule.InvalidCharacter },
                { "ex&ample.com", TenantHostRule.InvalidCharacter },
                { "example.com]", TenantHostRule.InvalidCharacter },
                { "x\uD800y.com", TenantHostRule.InvalidCharacter },
                { "\uDC00.com", TenantHostRule.InvalidCharacter },

                // Hyphens.
                { "-example.com", TenantHostRule.Hyphen },
                { "example-.com", TenantHostRule.Hyphen },
                { "www.-example.com", TenantHostRule.Hyphen },
                { "xn--.com", TenantHostRule.Hyphen },

                // Ports.
                { "example.com:", TenantHostRule.InvalidPort },
                { ":", TenantHostRule.InvalidPort },
                { "example.com:0", TenantHostRule.InvalidPort },
                { "example.com:65536", TenantHostRule.InvalidPort },
                { "example.com:99999999999", TenantHostRule.InvalidPort },
                { "example.com:-1", TenantHostRule.InvalidPort },
                { "example.com:+80", TenantHostRule.InvalidPort },
                { "example.com:80a", TenantHostRule.InvalidPort },
                { "example.com:0x50", TenantHostRule.InvalidPort },
                { "example.com:\uFF18\uFF10", TenantHostRule.InvalidPort },
                { "example.com:80:80", TenantHostRule.InvalidPort },
                { "[::1]x", TenantHostRule.InvalidPort },
                { "[::1]:", TenantHostRule.InvalidPort },
                { "[::1]:99999", TenantHostRule.InvalidPort },

                // Brackets that hold no IPv6 address.
                { "[::1", TenantHostRule.InvalidCharacter },
                { "[]", TenantHostRule.InvalidCharacter },
                { "[example.com]", TenantHostRule.InvalidCharacter },
                { "[127.0.0.1]", TenantHostRule.InvalidCharacter },

                // Broken internationalized labels.
                { "xn--zz.com", TenantHostRule.InvalidIdn },
                { "XN--ZZ.com", TenantHostRule.InvalidIdn },
                { "xn--a.com", TenantHostRule.InvalidIdn },
                { "bücher.xn--zz", TenantHostRule.InvalidIdn },
                { "bücher_x.de", TenantHostRule.InvalidIdn },
                { "\u200Dexample.com", TenantHostRule.InvalidIdn },
                { "example\u202E.com", TenantHostRule.InvalidIdn },
                { string.Concat(Enumerable.Repeat("ü", 64)) + ".de", TenantHostRule.InvalidIdn },

                // Look-alikes of other hosts.
                { "example\uFF0Ecom", TenantHostRule.LookAlike },
                { "example\u3002com", TenantHostRule.LookAlike },
                { "example\uFF61com", TenantHostRule.LookAlike },
                { "\uFF45\uFF58\uFF41\uFF4D\uFF50\uFF4C\uFF45.com", TenantHostRule.LookAlike },
                { "exam\u00ADple.com", TenantHostRule.LookAlike },
                { "\uFB01le.com", TenantHostRule.LookAlike },
                { "\u212Aey.com", TenantHostRule.LookAlike },
                { "\uFF11\uFF12\uFF17\uFF0E\uFF10\uFF0E\uFF10\uFF0E\uFF11", TenantHostRule.LookAlike },

                // IP literals and localhost (not hostile, but never a registrable domain).
                { "127.0.0.1", TenantHostRule.IpAddress },
                { "10.0.0.1.", TenantHostRule.IpAddress },
                { "0x7f.0.0.1", TenantHostRule.IpAddress },
                { "2130706433", TenantHostRule.IpAddress },
                { "1.2.3", TenantHostRule.IpAddress },
                { "999.999.999.999", TenantHostRule.IpAddress },
                { "example.0x1f", TenantHostRule.IpAddress },
                { "[::1]", TenantHostRule.IpAddress },
                { "[2001:db8::1]:443", TenantHostRule.IpAddress },
                { "::1", TenantHostRule.IpAddress },
                { "localhost", TenantHostRule.Localhost },
                { "LOCALHOST:5000", TenantHostRule.Localhost },
                { "api.localhost", TenantHostRule.Localhost },
            };
            return data;
        }
    }

    [Fact]
    public void The_hostile_corpus_has_at_least_eighty_entries()
    {
        Assert.True(HostileHosts.Count() >= 80, $"only {HostileHosts.Count()} hostile hosts");
    }

    [Theory]
    [MemberData(nameof(HostileHosts), DisableDiscoveryEnumeration = true)]
    public void A_hostile_host_is_refused_with_the_rule_it_breaks(string host, TenantHostRule rule)
    {
        var error = Assert.Throws<InvalidTenantHostException>(() => Domains.GetBaseDomain(host));

        Assert.Equal(rule, error.Rule);
        Assert.Equal(host, error.Host);
        Assert.Equal("host", error.ParamName);
        Assert.Contains(error.Reason, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(HostileHosts), DisableDiscoveryEnumeration = true)]
    public void A_hostile_host_gets_no_slug_from_the_try_methods(string host, TenantHostRule rule)
    {
        _ = rule;
        Assert.False(Domains.TryGetBaseDomain(host, out string? baseDomain));
        Assert.Null(baseDomain);
        Assert.False(Domains.TryGetTenantSlug(host, out string? slug));
        Assert.Null(slug);
        Assert.Throws<InvalidTenantHostException>(() => TenantDomain.ToSlug(host));
    }

    [Fact]
    public void The_message_quotes_a_hostile_host_safely()
    {
        var error = Assert.Throws<InvalidTenantHostException>(() => Domains.GetBaseDomain("evil.com\r\nSet-Cookie: x"));

        Assert.DoesNotContain('\r', error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Contains("control character U+000D", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a..b.com", "empty label")]
    [InlineData("example.com:99999", "port")]
    [InlineData("user@example.com", "user information")]
    [InlineData("exa_mple.com", "only letters, digits, '-' and '.'")]
    [InlineData("co.uk", "public suffix")]
    public void The_message_names_the_rule_broken(string host, string words)
    {
        var error = Assert.Throws<InvalidTenantHostException>(() => Domains.GetBaseDomain(host));

        Assert.Contains(words, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Random_input_yields_a_valid_slug_or_an_invalid_tenant_host_exception_and_nothing_else()
    {
        const string Alphabet = "abcXYZ019-._:[]/@%\\ \0\t\u00E9\u00FC\u0430\u03C3\u05D0\u0627\u4E2D\uFF0E\u3002\u00AD\u200D\u202E\uD83D\uDE00\uD800\uFB01\uFF41";
        var random = new Random(20240601);
        for (int i = 0; i < 20_000; i++)
        {
            var chars = new char[random.Next(0, 24)];
            for (int j = 0; j < chars.Length; j++)
            {
                chars[j] = Alphabet[random.Next(Alphabet.Length)];
            }

            string host = new(chars);
            try
            {
                string slug = Domains.GetTenantSlug(host);
                Assert.True(TenantSlug.IsValid(slug), $"{slug} from {MessageText.Quote(host)}");
                Assert.True(Domains.TryGetTenantSlug(host, out string? again));
                Assert.Equal(slug, again);
            }
            catch (InvalidTenantHostException)
            {
                Assert.False(Domains.TryGetTenantSlug(host, out _));
            }
        }
    }

    // ---- The list ----------------------------------------------------------------------------------------------

    [Fact]
    public void The_embedded_list_is_the_full_public_suffix_list()
    {
        Assert.Contains("Tenancy.public_suffix_list.dat", typeof(TenantDomain).Assembly.GetManifestResourceNames());
        Assert.True(TenantDomain.Default.RuleCount > 9000, $"only {TenantDomain.Default.RuleCount} rules");
        Assert.Same(TenantDomain.Default, TenantDomain.Default);
    }

    [Fact]
    public void One_instance_answers_many_threads_at_once()
    {
        string[] hosts = ["www.example.co.uk", "bücher.de", "a.b.test.ck", "foo.github.io", "shop.公司.cn", "x.y.example.com:8443"];
        string[] expected = hosts.Select(Domains.GetTenantSlug).ToArray();

        Parallel.For(0, 20_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            int k = i % hosts.Length;
            Assert.Equal(expected[k], Domains.GetTenantSlug(hosts[k]));
        });
    }

    private const string CustomList = """
        // A small list in the Public Suffix List format.
        // ===BEGIN ICANN DOMAINS===
        test
        *.wild.test
        !keep.wild.test
        公司.cn    trailing text after white space is ignored
        // ===END ICANN DOMAINS===
        """;

    [Fact]
    public void Load_reads_a_list_chosen_by_the_user()
    {
        string folder = Path.Combine(Path.GetTempPath(), "tenantdomain-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            string path = Path.Combine(folder, "public_suffix_list.dat");
            File.WriteAllText(path, CustomList, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

            var domains = TenantDomain.Load(path);

            Assert.Equal(4, domains.RuleCount);
            Assert.Equal("example.test", domains.GetBaseDomain("www.example.test"));
            Assert.Equal("a.b.wild.test", domains.GetBaseDomain("x.a.b.wild.test"));
            Assert.Equal("keep.wild.test", domains.GetBaseDomain("www.keep.wild.test"));
            Assert.Equal("shop.xn--55qx5d.cn", domains.GetBaseDomain("www.shop.公司.cn"));
            Assert.Equal("co.uk", domains.GetBaseDomain("www.example.co.uk")); // not in this list: only "*" applies
            Assert.False(domains.TryGetBaseDomain("b.wild.test", out _));
            Assert.Equal("keep-wild-test-", domains.GetTenantSlug("keep.wild.test")[..15]);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Parse_reads_a_list_from_a_text_reader()
    {
        var domains = TenantDomain.Parse(new StringReader(CustomList));

        Assert.Equal("example.test", domains.GetBaseDomain("example.test:8080"));
        Assert.Equal("example.com", domains.GetBaseDomain("www.example.com"));
    }

    [Theory]
    [InlineData("com\nexa_mple.com", "line 2")]
    [InlineData("com\n*.*.com", "line 2")]
    [InlineData("!com", "line 1")]
    [InlineData("co..uk", "line 1")]
    public void A_list_with_a_bad_rule_is_refused_with_its_line_number(string list, string where)
    {
        var error = Assert.Throws<FormatException>(() => TenantDomain.Parse(new StringReader(list)));

        Assert.Contains(where, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_list_without_rules_is_refused()
    {
        Assert.Throws<FormatException>(() => TenantDomain.Parse(new StringReader("// only a comment\n\n")));
    }

    [Fact]
    public void Load_of_a_missing_file_throws_file_not_found()
    {
        Assert.Throws<FileNotFoundException>(() => TenantDomain.Load(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".dat")));
    }
}
