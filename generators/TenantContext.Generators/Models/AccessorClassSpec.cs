namespace Tenancy.Generators.Models;

/// <summary>Everything the emitter needs for one <c>[TenantAccessors]</c> class: strings and arrays only.</summary>
/// <param name="Namespace">The namespace as code spells it, or null for the global namespace.</param>
/// <param name="Name">The class name as code spells it (<c>@class</c>).</param>
/// <param name="HintName">The generated file's name without <c>.g.cs</c> (<c>Demo.Outer+Wiki</c>); made unique when the
/// outputs are added.</param>
/// <param name="ContainingTypes">Enclosing types, outermost first.</param>
/// <param name="Accessors">The accessor properties, in declaration order.</param>
/// <param name="EmitEnter">False when <c>Enter</c> would clash (TC2005, TC2006).</param>
/// <param name="EmitRegister">False when <c>Register</c> would clash (TC2005, TC2006).</param>
/// <param name="MethodAccessibility">The accessibility keyword of <c>Enter</c> and <c>Register</c>: the narrowest of the
/// accessor types' (CS0051).</param>
internal sealed record AccessorClassSpec(
    string? Namespace,
    string Name,
    string HintName,
    EquatableArray<ContainingTypeSpec> ContainingTypes,
    EquatableArray<AccessorSpec> Accessors,
    bool EmitEnter,
    bool EmitRegister,
    string MethodAccessibility);
