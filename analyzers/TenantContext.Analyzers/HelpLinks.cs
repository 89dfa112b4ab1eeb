namespace Tenancy.Analyzers;

/// <summary>Where each rule is documented.</summary>
public static class HelpLinks
{
    /// <summary>The base of every help link: the rule pages in <c>analyzers/docs</c>.</summary>
    public const string Base = "https://github.com/tenantcontext/tenantcontext/blob/main/analyzers/docs/";

    /// <summary>Returns the help link of the rule <paramref name="id"/>.</summary>
    /// <param name="id">A rule id such as <c>TC1001</c>.</param>
    public static string For(string id) => Base + id + ".md";
}
