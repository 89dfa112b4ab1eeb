namespace Tenancy.Sqlite;

/// <summary>A checked path template under a data root: relative, with <c>{tenant}</c>, and no way out of the root.</summary>
internal sealed class TenantPathTemplate
{
    private const string Placeholder = "{tenant}";
    private readonly string _root;
    private readonly string _template;

    private TenantPathTemplate(string root, string template)
    {
        _root = root;
        _template = template;
    }

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

        if (!normalized.Contains(Placeholder, StringComparison.Ordinal))
        {
            Refuse("it has no {tenant} placeholder, so every tenant would share one path");
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

        var parsed = new TenantPathTemplate(root, normalized);
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

    public override string ToString() => _template;
}
