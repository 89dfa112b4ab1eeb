namespace Tenancy.Analyzers;

/// <summary>
/// The keys and values of <see cref="Microsoft.CodeAnalysis.Diagnostic.Properties"/> that the code fixes read. TC1001
/// and TC1006 say what can be marked (or that nothing can, and a scope must be entered instead) and where it is.
/// </summary>
public static class DiagnosticProperties
{
    /// <summary>What the fix should do: one of the <c>Fix…</c> values below.</summary>
    public const string Fix = "Fix";

    /// <summary>Mark the innermost enclosing lambda (it can carry attributes: not an anonymous method).</summary>
    public const string FixMarkLambda = "MarkLambda";

    /// <summary>Mark the innermost enclosing local function.</summary>
    public const string FixMarkLocalFunction = "MarkLocalFunction";

    /// <summary>Mark the enclosing member (a property for its accessors).</summary>
    public const string FixMarkMember = "MarkMember";

    /// <summary>
    /// Nothing can be marked (TC1001: an override or implementation of a member that does not require a tenant,
    /// top-level statements, an entry point, a static constructor): enter a scope in the member instead.
    /// </summary>
    public const string FixEnterScope = "EnterScope";

    /// <summary>Nothing can be marked and no scope can be entered where the use is (a field or property initializer).</summary>
    public const string FixNone = "None";

    /// <summary>
    /// With the <c>Mark…</c> fixes: the span of the declaration to mark, as <c>start,length</c> in the diagnostic's
    /// document (a lambda expression, a local function statement, or a member declaration).
    /// </summary>
    public const string TargetSpan = "TargetSpan";

    /// <summary>With <see cref="FixEnterScope"/> on an override or implementation: the base or interface member, as a documentation comment id (<c>M:System.IDisposable.Dispose</c>).</summary>
    public const string BaseMember = "BaseMember";

    /// <summary>TC1003: why the scope is reported, one of the <c>Scope…</c> values below.</summary>
    public const string ScopeProblem = "ScopeProblem";

    /// <summary>TC1003: the scope is never disposed.</summary>
    public const string ScopeNeverDisposed = "NeverDisposed";

    /// <summary>
    /// TC1003: the scope is disposed by a <c>Dispose()</c> call that an exception or early return can skip (no
    /// <c>try/finally</c>): the fix makes it a <c>using</c> and removes that call.
    /// </summary>
    public const string ScopeNotDisposedOnEveryPath = "NotDisposedOnEveryPath";

    /// <summary>TC1003: the scope is entered in an async function and left for its caller.</summary>
    public const string ScopeLeftForCaller = "LeftForCaller";

    /// <summary>TC1002: the replacement of the singleton, as the code fix writes it (<c>global::Ns.Wiki.Storage</c>).</summary>
    public const string Replacement = "Replacement";
}
