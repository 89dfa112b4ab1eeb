using System.Text;

namespace Tenancy.Npgsql;

/// <summary>Identifiers built from validated slugs only, always quoted.</summary>
internal static class PostgresNames
{
    /// <summary>PostgreSQL's identifier limit (NAMEDATALEN - 1) in bytes; longer names are silently truncated by the server.</summary>
    internal const int MaxIdentifierBytes = 63;

    internal static void CheckTemplate(string? template, string paramName)
    {
        if (string.IsNullOrEmpty(template) || !template.Contains("{tenant}", StringComparison.Ordinal))
        {
            throw new ArgumentException($"{paramName} must contain {{tenant}} (for example \"tenant_{{tenant}}\").", paramName);
        }

        var probe = template.Replace("{tenant}", "a", StringComparison.Ordinal);
        foreach (var c in probe)
        {
            if (!(c is >= 'a' and <= 'z' or >= '0' and <= '9' or '_' or '-'))
            {
                throw new ArgumentException(
                    $"{paramName} \"{template}\" may only use lower-case letters, digits, '_' and '-' around {{tenant}}.", paramName);
            }
        }

        if (probe.StartsWith("pg_", StringComparison.Ordinal))
        {
            throw new ArgumentException($"{paramName} must not start with pg_ (reserved by PostgreSQL).", paramName);
        }
    }

    /// <summary>Expands a template for a validated slug and checks the 63-byte limit.</summary>
    internal static string Expand(string template, string slug, string what)
    {
        TenantSlug.Validate(slug);
        var name = template.Replace("{tenant}", slug, StringComparison.Ordinal);
        if (Encoding.UTF8.GetByteCount(name) > MaxIdentifierBytes)
        {
            throw new ArgumentException(
                $"The {what} name for tenant '{slug}' would be \"{name}\" ({name.Length} characters), longer than PostgreSQL's 63-byte limit. " +
                "Use a shorter tenant name or a shorter template.", nameof(slug));
        }

        return name;
    }

    /// <summary>Quotes an identifier (doubling any quote), for names that came from <see cref="Expand"/> or configuration.</summary>
    internal static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
