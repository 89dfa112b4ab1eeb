namespace Tenancy.Generators.Models;

/// <summary>Everything the emitter needs for one <c>[TenantAccessors]</c> class: strings and arrays only.</summary>
/// <param name="Namespace">The namespace, or null for the global namespace.</param>
/// <param name="Name">The class name.</param>
/// <param name="HintName">The generated file name (<c>Demo.Wiki.g.cs</c>).</param>
/// <param name="ContainingTypes">Enclosing types, outermost first.</param>
/// <param name="Accessors">The accessor properties, in declaration order.</param>
/// <param name="EmitEnter">False when <c>Enter</c> would clash (TC2005, TC2006).</param>
/// <param name="EmitRegister">False when <c>Register</c> would clash (TC2005, TC2006).</param>
internal sealed record AccessorClassSpec(
    string? Namespace,
    string Name,
    string HintName,
    EquatableArray<ContainingTypeSpec> ContainingTypes,
    EquatableArray<AccessorSpec> Accessors,
    bool EmitEnter,
    bool EmitRegister);
