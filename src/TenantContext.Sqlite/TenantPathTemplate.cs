namespace Tenancy.Sqlite;

/// <summary>A checked path template under a data root: relative, with one <c>{tenant}</c>, and no way out of the root.</summary>
internal sealed class TenantPathTemplate
{
    private const string Placeholder = "{tenant}";
    private readonly string _root;
    private readonly string _template;
    private readonly string[] _segments;

    private TenantPathTemplate(string root, string template, string optionName)
    {
        _root = root;
        _template = template;
        _segments = template.Split('/');
        OptionName = optionName;
    }

    /// <summary>The option the template came from, for messages.</summary>
    public string OptionName { get; }

    public static TenantPathTemplate Parse(string root, string? template, string optionName)
    {
        if (string.IsNullOrWhiteSpace(template))
        {
            throw new ArgumentException($"{optionName} is empty. Use a relative path with {{tenant}}, for example \"tenants/{{tenant}}.db\".", optionName);
        }

        string Refuse(string why) => throw new ArgumentException(
            $"{optionName} \"{template}\" is refused: {why}. A tenant path must stay inside DataRoot ({root}): use a relative path " +
            "with {tenant}, such as \"tenants/{tenant}.db\" or \"wikis/{tenant}/wiki.db\".", optionName);

        var normalized = template.Replace('\\', '/');
        if (Path.IsPathRooted(template) || normalized.StartsWith('/') || normalized.Contains(':', StringComparison.Ordinal))
        {
            Refuse("it is absolute");
        }

        int first = normalized.IndexOf(Placeholder, StringComparison.Ordinal);
        if (first < 0)
        {
            Refuse("it has no {tenant} placeholder, so every tenant would share one path");
        }

        if (normalized.IndexOf(Placeholder, first + 1, StringComparison.Ordinal) >= 0)
        {
            Refuse("{tenant} may appear only once");
        }

        var withoutPlaceholder = normalized.Replace(Placeholder, "x", StringComparison.Ordinal);
        if (withoutPlaceholder.Contains('{') || withoutPlaceholder.Contains('}'))
        {
            Refuse("{tenant} is the only placeholder");
        }

        foreach (var segment in normalized.Split('/'))
        {
            if (segment.Length == 0 || segment == "." || segment == "..")
            {
                Refuse(segment == ".." ? "it contains a '..' segment" : "it contains an empty or '.' segment");
            }

            if (segment.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || segment.Any(char.IsControl))
            {
                Refuse("it contains a character that is not allowed in a file name");
            }
        }

        var parsed = new TenantPathTemplate(root, normalized, optionName);
        var probe = parsed.Resolve("probe");
        if (!probe.StartsWith(root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            Refuse("it resolves outside DataRoot");
        }

        return parsed;
    }

    /// <summary>The absolute path for a slug already validated by <see cref="TenantSlug"/>.</summary>
    public string Resolve(string slug)
        => Path.GetFullPath(Path.Combine(_root, _template.Replace(Placeholder, slug, StringComparison.Ordinal).Replace('/', Path.DirectorySeparatorChar)));

    /// <summary>This template with a fixed suffix on its last segment (a database's <c>-wal</c>, <c>-shm</c>, <c>-journal</c>).</summary>
    public TenantPathTemplate WithSuffix(string suffix) => new(_root, _template + suffix, OptionName);

    /// <summary>
    /// Whether some tenant's path under this template can equal, contain or lie inside a <em>different</em> tenant's path
    /// under <paramref name="other"/> (<c>f/{tenant}</c> and <c>f/{tenant}-db/x.db</c>: tenant <c>a-db</c>'s folder holds
    /// tenant <c>a</c>'s database). One tenant's database inside its own folder (<c>w/{tenant}/wiki.db</c> and
    /// <c>w/{tenant}</c>) is not an overlap. Decided segment by segment: literals must be equal; a placeholder segment can
    /// match a literal, or another placeholder segment of a different shape, when what is left over could be part of a slug.
    /// </summary>
    public bool CanOverlap(TenantPathTemplate other)
    {
        bool sameTenant = false;
        int n = Math.Min(_segments.Length, other._segments.Length);
        for (int i = 0; i < n; i++)
        {
            var a = _segments[i];
            var b = other._segments[i];
            bool pa = a.Contains(Placeholder, StringComparison.Ordinal);
            bool pb = b.Contains(Placeholder, StringComparison.Ordinal);
            if (!pa && !pb)
            {
                if (!string.Equals(a, b, StringComparison.Ordinal))
                {
                    return false;
                }
            }
            else if (pa && pb)
            {
                if (string.Equals(a, b, StringComparison.Ordinal))
                {
                    sameTenant = true; // the same shape in the same place can only be the same slug
                }
                else if (!ShapesCanMeet(a, b))
                {
                    return false;
                }
            }
            else if (!LiteralFits(pa ? a : b, pa ? b : a))
            {
                return false;
            }
        }

        // One path is a prefix of the other (or both are equal): an overlap unless both name the same tenant.
        return !sameTenant;
    }

    /// <summary>Whether <c>prefix{tenant}suffix</c> can spell <paramref name="literal"/> for some slug.</summary>
    private static bool LiteralFits(string shape, string literal)
    {
        int at = shape.IndexOf(Placeholder, StringComparison.Ordinal);
        var prefix = shape[..at];
        var suffix = shape[(at + Placeholder.Length)..];
        if (literal.Length <= prefix.Length + suffix.Length
            || !literal.StartsWith(prefix, StringComparison.Ordinal)
            || !literal.EndsWith(suffix, StringComparison.Ordinal))
        {
            return false;
        }

        return TenantSlug.IsValid(literal[prefix.Length..^suffix.Length]);
    }

    /// <summary>Whether <c>p1{a}s1</c> and <c>p2{b}s2</c> can spell one name with two different slugs.</summary>
    private static bool ShapesCanMeet(string first, string second)
    {
        int i1 = first.IndexOf(Placeholder, StringComparison.Ordinal);
        int i2 = second.IndexOf(Placeholder, StringComparison.Ordinal);
        string p1 = first[..i1], s1 = first[(i1 + Placeholder.Length)..];
        string p2 = second[..i2], s2 = second[(i2 + Placeholder.Length)..];

        // The longer prefix must extend the shorter, and the extra characters become part of the other template's slug.
        string? prefixExtra = p1.StartsWith(p2, StringComparison.Ordinal) ? p1[p2.Length..]
            : p2.StartsWith(p1, StringComparison.Ordinal) ? p2[p1.Length..] : null;
        string? suffixExtra = s1.EndsWith(s2, StringComparison.Ordinal) ? s1[..^s2.Length]
            : s2.EndsWith(s1, StringComparison.Ordinal) ? s2[..^s1.Length] : null;
        return prefixExtra is not null && suffixExtra is not null && prefixExtra.All(IsSlugChar) && suffixExtra.All(IsSlugChar);
    }

    private static bool IsSlugChar(char c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_';

    public override string ToString() => _template;
}
