namespace Tenancy.Generators.Models;

/// <summary>One <c>static partial</c> accessor property, ready to emit.</summary>
/// <param name="Name">The property name as code spells it (<c>Db</c>, <c>@event</c>).</param>
/// <param name="Modifiers">The accessibility (and <c>new</c>) keywords exactly as declared, possibly none.</param>
/// <param name="TypeName">The <c>global::</c>-qualified type (<c>global::Demo.WikiDatabase</c>).</param>
/// <param name="ParameterName">The camel-case parameter name, escaped if it is a keyword (<c>db</c>, <c>@event</c>).</param>
/// <param name="LifetimeParameterName">The name of its lifetime parameter in <c>Register</c> (<c>dbLifetime</c>).</param>
/// <param name="DisplayName">The accessor as users write it (<c>Wiki.Db</c>), named in run-time errors.</param>
/// <param name="UnsupportedReason">Why the type cannot be a tenant service (TC2004), or null when it can.</param>
/// <param name="TypeDoc">The type as an XML-doc fragment: a <c>see cref</c>, or escaped <c>c</c> text for generic types.</param>
/// <param name="HasDocumentation">Whether the user's declaration carries its own XML documentation.</param>
internal sealed record AccessorSpec(
    string Name,
    string Modifiers,
    string TypeName,
    string ParameterName,
    string LifetimeParameterName,
    string DisplayName,
    string? UnsupportedReason,
    string TypeDoc,
    bool HasDocumentation)
{
    public bool IsSupported => UnsupportedReason is null;
}
