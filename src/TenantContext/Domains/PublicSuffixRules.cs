using System.Collections.Frozen;

namespace Tenancy.Domains;

/// <summary>
/// The rules of a Public Suffix List, indexed once for lookups that allocate nothing. Immutable after
/// <see cref="Parse"/>, so any number of threads may use one instance.
/// </summary>
/// <remarks>
/// The index is a trie flattened into one dictionary keyed by ASCII suffix (<c>uk</c>, <c>co.uk</c>): every
/// suffix that is a rule, or the parent of a wildcard, or a step on the way to a deeper rule, has an entry.
/// A lookup walks a host's suffixes from the right and stops at the first one with no entry.
/// </remarks>
internal sealed class PublicSuffixRules
{
    private readonly FrozenDictionary<string, Node>.AlternateLookup<ReadOnlySpan<char>> _nodes;

    private PublicSuffixRules(Dictionary<string, Node> nodes, int ruleCount)
    {
        _nodes = nodes.ToFrozenDictionary(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
        RuleCount = ruleCount;
    }

    [Flags]
    private enum Node : byte
    {
        /// <summary>Only a step towards deeper rules.</summary>
        Interior = 0,

        /// <summary>A normal rule: this suffix is public.</summary>
        Rule = 1,

        /// <summary>A wildcard rule <c>*.suffix</c>: every label under this suffix is public.</summary>
        WildcardBelow = 2,

        /// <summary>An exception rule <c>!suffix</c>: this suffix is registrable although a wildcard covers it.</summary>
        Exception = 4,
    }

    /// <summary>The number of rules read (the implicit <c>*</c> rule not counted).</summary>
    public int RuleCount { get; }

    /// <summary>Reads a list in the Public Suffix List format (https://publicsuffix.org/list/).</summary>
    /// <param name="reader">The list's text.</param>
    /// <param name="source">How to name the list in error messages.</param>
    /// <exception cref="FormatException">A line is not a rule this reader understands, or the list holds no rule.</exception>
    public static PublicSuffixRules Parse(TextReader reader, string source)
    {
        var nodes = new Dictionary<string, Node>(StringComparer.Ordinal);
        int ruleCount = 0;
        int lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;

            // The format: a rule is read up to the first white space; "//" starts a comment line.
            var text = line.AsSpan().TrimStart('\uFEFF');
            int end = 0;
            while (end < text.Length && !char.IsWhiteSpace(text[end]))
            {
                end++;
            }

            text = text[..end];
            if (text.IsEmpty || text.StartsWith("//", StringComparison.Ordinal))
            {
                continue;
            }

            if (text is "*")
            {
                ruleCount++; // the implicit default rule, written out
                continue;
            }

            var kind = Node.Rule;
            var name = text;
            if (name[0] == '!')
            {
                kind = Node.Exception;
                name = name[1..];
            }
            else if (name.StartsWith("*.", StringComparison.Ordinal))
            {
                kind = Node.WildcardBelow;
                name = name[2..];
            }

            if (name.ContainsAny('*', '!'))
            {
                throw Error(source, lineNumber, text, "'*' is only understood as the whole leftmost label (\"*.example\") and '!' only as the first character");
            }

            var problem = HostName.NormalizeName(name, out string suffix);
            if (problem is not null)
            {
                throw Error(source, lineNumber, text, problem.Reason, problem.Inner);
            }

            if (kind == Node.Exception && !suffix.Contains('.'))
            {
                throw Error(source, lineNumber, text, "an exception rule needs at least two labels");
            }

            nodes[suffix] = nodes.GetValueOrDefault(suffix) | kind;
            ruleCount++;
            for (int dot = suffix.IndexOf('.'); dot >= 0; dot = suffix.IndexOf('.', dot + 1))
            {
                nodes.TryAdd(suffix[(dot + 1)..], Node.Interior);
            }
        }

        if (ruleCount == 0)
        {
            throw new FormatException($"{source} holds no rule; is it a Public Suffix List (https://publicsuffix.org/list/public_suffix_list.dat)?");
        }

        return new PublicSuffixRules(nodes, ruleCount);
    }

    /// <summary>
    /// Returns how many labels, counted from the right, form the public suffix of <paramref name="asciiHost"/>
    /// (a canonical name from <see cref="HostName"/>), by the list's algorithm: an exception rule prevails, else
    /// the matching rule with the most labels, else the implicit <c>*</c> rule (one label).
    /// </summary>
    public int GetPublicSuffixLabelCount(string asciiHost)
    {
        int suffixLabels = 1;
        int labels = 0;
        int position = asciiHost.Length;
        while (true)
        {
            int dot = asciiHost.LastIndexOf('.', position - 1);
            labels++;
            if (!_nodes.TryGetValue(asciiHost.AsSpan(dot + 1), out var node))
            {
                break;
            }

            if ((node & Node.Exception) != 0)
            {
                // The exception rule's own leftmost label is the registrable one.
                return labels - 1;
            }

            if ((node & Node.Rule) != 0)
            {
                suffixLabels = labels;
            }

            if ((node & Node.WildcardBelow) != 0 && dot >= 0)
            {
                suffixLabels = labels + 1;
            }

            if (dot < 0)
            {
                break;
            }

            position = dot;
        }

        return suffixLabels;
    }

    private static FormatException Error(string source, int lineNumber, ReadOnlySpan<char> rule, string reason, Exception? inner = null) =>
        new($"{source}, line {lineNumber}: {MessageText.Quote(rule.ToString())} is not a valid rule: {reason}.", inner);
}
