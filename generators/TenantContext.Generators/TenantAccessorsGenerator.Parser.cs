using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Tenancy.Generators.Models;

namespace Tenancy.Generators;

public sealed partial class TenantAccessorsGenerator
{
    /// <summary>Reads one <c>[TenantAccessors]</c> class into plain values. Nothing from Roslyn leaves this class.</summary>
    internal static class Parser
    {
        private const string EnterName = "Enter";
        private const string RegisterName = "Register";

        private static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.FullyQualifiedFormat
            .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

        /// <summary>A namespace as it is written in a declaration: <c>Demo.@class</c> (keywords escaped, no <c>global::</c>).</summary>
        private static readonly SymbolDisplayFormat NamespaceFormat = SymbolDisplayFormat.FullyQualifiedFormat
            .WithGlobalNamespaceStyle(SymbolDisplayGlobalNamespaceStyle.Omitted);

        public static AccessorClassResult? Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            if (context.TargetSymbol is not INamedTypeSymbol type || context.TargetNode is not TypeDeclarationSyntax declaration)
            {
                return null;
            }

            var diagnostics = new List<DiagnosticInfo>();
            var classLocation = LocationInfo.From(declaration.Identifier.GetLocation());
            string displayName = DisplayName(type);

            bool isPartial = declaration.Modifiers.Any(SyntaxKind.PartialKeyword);
            if (!isPartial || !type.IsStatic)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ClassMustBeStaticPartial, classLocation, type.Name));
                return new AccessorClassResult(null, diagnostics.ToEquatableArray(), EquatableArray<AccessorTypeUse>.Empty);
            }

            for (var t = type; t is not null; t = t.ContainingType)
            {
                if (t.IsFileLocal)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.FileLocalType, classLocation, displayName, t.Name));
                    return new AccessorClassResult(null, diagnostics.ToEquatableArray(), EquatableArray<AccessorTypeUse>.Empty);
                }
            }

            bool emittable = true;
            var containing = new List<ContainingTypeSpec>();
            if (type.TypeParameters.Length > 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GenericType, classLocation, displayName, type.Name));
                emittable = false;
            }

            for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (outer.TypeParameters.Length > 0 && emittable)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GenericType, classLocation, displayName, outer.Name));
                    emittable = false;
                }

                bool outerPartial = outer.DeclaringSyntaxReferences
                    .Select(r => r.GetSyntax(cancellationToken))
                    .OfType<TypeDeclarationSyntax>()
                    .Any(static d => d.Modifiers.Any(SyntaxKind.PartialKeyword));
                if (!outerPartial)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ContainingTypeMustBePartial, classLocation, type.Name, outer.Name));
                    emittable = false;
                }

                containing.Insert(0, new ContainingTypeSpec(Keywords(outer), Identifier(outer.Name), outer.Name));
            }

            if (!emittable)
            {
                return new AccessorClassResult(null, diagnostics.ToEquatableArray(), EquatableArray<AccessorTypeUse>.Empty);
            }

            bool emitEnter = true;
            bool emitRegister = true;
            var accessors = new List<AccessorSpec>();
            var typeUses = new List<AccessorTypeUse>();
            var accessorLocations = new List<LocationInfo?>();
            var methodAccessibility = Accessibility.Public;

            foreach (var member in type.GetMembers())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (member.IsImplicitlyDeclared)
                {
                    continue;
                }

                if (member.Name is EnterName or RegisterName)
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.GeneratedMemberClash, LocationInfo.From(member.Locations.FirstOrDefault()), $"{displayName}.{member.Name}", member.Name));
                    if (member.Name == EnterName)
                    {
                        emitEnter = false;
                    }
                    else
                    {
                        emitRegister = false;
                    }
                }

                if (member is IPropertySymbol { IsStatic: true } plain && !IsPartial(plain) && IsUninitializedGetOnlyAutoProperty(plain, cancellationToken))
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.PropertyMustBeStaticPartialGetOnly,
                        LocationInfo.From(plain.Locations.FirstOrDefault()),
                        $"{displayName}.{plain.Name}",
                        "it is not partial, so it is an auto-property that is never set and always reads null",
                        Identifier(plain.Name)));
                    continue;
                }

                if (member is not IPropertySymbol property || !IsPartial(property) || property.PartialImplementationPart is not null)
                {
                    continue;
                }

                string accessorName = $"{displayName}.{property.Name}";
                var location = LocationInfo.From(property.Locations.FirstOrDefault());
                string? shapeProblem = ShapeProblem(property);
                if (shapeProblem is not null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.PropertyMustBeStaticPartialGetOnly, location, accessorName, shapeProblem, Identifier(property.Name)));
                    continue;
                }

                if (property.Type.TypeKind == TypeKind.Error)
                {
                    continue; // the compiler already reports the missing type
                }

                string typeName = property.Type.ToDisplayString(TypeFormat);
                string? unsupported = UnsupportedReason(property.Type);
                if (unsupported is not null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.UnsupportedAccessorType, location, accessorName, property.Type.ToDisplayString(), unsupported));
                }
                else
                {
                    typeUses.Add(new AccessorTypeUse(typeName, accessorName, SortKey(location, accessors.Count), location));
                    methodAccessibility = Narrowest(methodAccessibility, EffectiveAccessibility(property.Type));
                }

                string camel = CamelCase(property.Name);
                accessors.Add(new AccessorSpec(
                    Identifier(property.Name),
                    DeclaredModifiers(property, cancellationToken),
                    typeName,
                    SyntaxFacts.GetKeywordKind(camel) != SyntaxKind.None ? "@" + camel : camel,
                    camel + "Lifetime",
                    accessorName,
                    unsupported,
                    TypeDoc(property.Type, typeName),
                    HasDocumentation(property, cancellationToken)));
                accessorLocations.Add(location);
            }

            CheckParameterNames(accessors, accessorLocations, diagnostics, ref emitEnter, ref emitRegister);

            // The file name: the namespace, then the types joined by '+' (as in metadata names), so a nested type never
            // shares a name with a namespace; names that differ only in case are told apart when the outputs are added.
            string hintName = NamespacePrefix(type.ContainingNamespace)
                + string.Concat(containing.Select(static c => c.MetadataName + "+")) + type.Name;

            var spec = new AccessorClassSpec(
                type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString(NamespaceFormat),
                Identifier(type.Name),
                hintName,
                containing.ToEquatableArray(),
                accessors.ToEquatableArray(),
                emitEnter,
                emitRegister,
                MethodKeyword(methodAccessibility));
            return new AccessorClassResult(spec, diagnostics.ToEquatableArray(), typeUses.ToEquatableArray());
        }

        /// <summary>
        /// Override and factory parameters take the accessors' camel-case names; a name that is taken (<c>tenant</c>,
        /// <c>builder</c>, another accessor's name or lifetime) would not compile: TC2006, and the method is skipped.
        /// </summary>
        private static void CheckParameterNames(
            List<AccessorSpec> accessors, List<LocationInfo?> locations, List<DiagnosticInfo> diagnostics, ref bool emitEnter, ref bool emitRegister)
        {
            var enterNames = new HashSet<string> { "tenant" };
            var registerNames = new HashSet<string> { "builder" };
            for (int i = 0; i < accessors.Count; i++)
            {
                var a = accessors[i];
                if (!a.IsSupported)
                {
                    continue;
                }

                string parameter = a.ParameterName.TrimStart('@');
                if (!enterNames.Add(parameter) && emitEnter)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ParameterNameClash, locations[i], a.DisplayName, parameter, EnterName));
                    emitEnter = false;
                }

                string? taken = !registerNames.Add(parameter) ? parameter
                    : !registerNames.Add(a.LifetimeParameterName) ? a.LifetimeParameterName
                    : null;
                if (taken is not null && emitRegister)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ParameterNameClash, locations[i], a.DisplayName, taken, RegisterName));
                    emitRegister = false;
                }
            }
        }

        private static string TypeDoc(ITypeSymbol type, string typeName)
            => type is INamedTypeSymbol { IsGenericType: false } && type.NullableAnnotation != NullableAnnotation.Annotated
                ? $"<see cref=\"{typeName}\"/>"
                : "<c>" + type.ToDisplayString().Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;") + "</c>";

        private static bool IsPartial(IPropertySymbol property) => property.IsPartialDefinition || property.PartialDefinitionPart is not null;

        private static string? ShapeProblem(IPropertySymbol property)
        {
            if (property.IsIndexer)
            {
                return "it is an indexer";
            }

            if (!property.IsStatic)
            {
                return "it is not static";
            }

            if (property.GetMethod is null)
            {
                return "it has no getter";
            }

            if (property.SetMethod is not null)
            {
                return "it has a set or init accessor";
            }

            if (property.RefKind != RefKind.None)
            {
                return "it returns by reference";
            }

            return null;
        }

        private static string? UnsupportedReason(ITypeSymbol type)
        {
            if (type.TypeKind is TypeKind.TypeParameter || ContainsTypeParameter(type))
            {
                return "it is or contains a type parameter; use a closed type";
            }

            if (type.TypeKind == TypeKind.Dynamic || type.SpecialType == SpecialType.System_Object)
            {
                return "'object' names no service; use the service's own type";
            }

            if (!type.IsReferenceType)
            {
                return "it is not a reference type; wrap the value in a class";
            }

            if (type.NullableAnnotation == NullableAnnotation.Annotated)
            {
                return "it is nullable-annotated, but an accessor never returns null; remove the '?'";
            }

            return null;
        }

        private static bool ContainsTypeParameter(ITypeSymbol type) => type switch
        {
            ITypeParameterSymbol => true,
            IArrayTypeSymbol array => ContainsTypeParameter(array.ElementType),
            INamedTypeSymbol named => named.TypeArguments.Any(ContainsTypeParameter),
            _ => false,
        };

        private static bool HasDocumentation(IPropertySymbol property, CancellationToken cancellationToken)
            => property.DeclaringSyntaxReferences
                .Select(r => r.GetSyntax(cancellationToken))
                .Any(static s => s.GetLeadingTrivia().Any(static t =>
                    t.IsKind(SyntaxKind.SingleLineDocumentationCommentTrivia) || t.IsKind(SyntaxKind.MultiLineDocumentationCommentTrivia)
                    || (t.IsKind(SyntaxKind.SingleLineCommentTrivia) && t.ToString().StartsWith("///", System.StringComparison.Ordinal))));

        private static string DisplayName(INamedTypeSymbol type)
        {
            var names = new List<string>();
            for (var t = type; t is not null; t = t.ContainingType)
            {
                names.Insert(0, t.Name);
            }

            return string.Join(".", names);
        }

        private static string SortKey(LocationInfo? location, int index)
            => location is null
                ? "~" + index.ToString("D6", CultureInfo.InvariantCulture)
                : location.FilePath + "|" + location.TextSpan.Start.ToString("D10", CultureInfo.InvariantCulture);

        private static string Keywords(INamedTypeSymbol type)
        {
            string kind = type switch
            {
                { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
                { IsRecord: true } => "record",
                { TypeKind: TypeKind.Struct } => "struct",
                { TypeKind: TypeKind.Interface } => "interface",
                _ => "class",
            };
            string prefix = type.IsStatic ? "static " : type.IsRefLikeType ? "ref " : "";
            return prefix + "partial " + kind;
        }

        /// <summary><c>Demo.class.</c> for <c>namespace Demo.@class</c>: the names themselves, for the file name.</summary>
        private static string NamespacePrefix(INamespaceSymbol ns)
        {
            var prefix = "";
            for (var n = ns; n is not null && !n.IsGlobalNamespace; n = n.ContainingNamespace)
            {
                prefix = n.Name + "." + prefix;
            }

            return prefix;
        }

        /// <summary>An identifier as code must spell it: <c>class</c> → <c>@class</c>.</summary>
        internal static string Identifier(string name)
            => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

        /// <summary>
        /// The accessibility and <c>new</c> modifiers exactly as the user's declaration writes them (none when it writes
        /// none): the implementing part of a partial property must repeat them word for word (CS8799).
        /// </summary>
        private static string DeclaredModifiers(IPropertySymbol property, CancellationToken cancellationToken)
        {
            foreach (var reference in property.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(cancellationToken) is PropertyDeclarationSyntax declaration)
                {
                    return string.Join(" ", declaration.Modifiers
                        .Where(static m => m.Kind() is SyntaxKind.PublicKeyword or SyntaxKind.InternalKeyword or SyntaxKind.PrivateKeyword
                            or SyntaxKind.ProtectedKeyword or SyntaxKind.NewKeyword)
                        .Select(static m => m.Text));
                }
            }

            return "";
        }

        /// <summary>A static get-only auto-property with no initializer: always null, most likely a forgotten <c>partial</c>.</summary>
        private static bool IsUninitializedGetOnlyAutoProperty(IPropertySymbol property, CancellationToken cancellationToken)
            => property.SetMethod is null
               && property.DeclaringSyntaxReferences.Length == 1
               && property.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is PropertyDeclarationSyntax
               {
                   Initializer: null, ExpressionBody: null, AccessorList: { } accessors,
               }
               && accessors.Accessors.All(static a => a.Body is null && a.ExpressionBody is null);

        /// <summary>
        /// Who can see <paramref name="type"/>: the narrowest of its own accessibility, its containing types' and its type
        /// arguments'. <c>Enter</c> and <c>Register</c> take the accessors' types, so they can be no more visible (CS0051).
        /// </summary>
        private static Accessibility EffectiveAccessibility(ITypeSymbol type)
        {
            switch (type)
            {
                case IArrayTypeSymbol array:
                    return EffectiveAccessibility(array.ElementType);
                case INamedTypeSymbol named:
                    var result = Accessibility.Public;
                    for (INamedTypeSymbol? t = named; t is not null; t = t.ContainingType)
                    {
                        result = Narrowest(result, t.DeclaredAccessibility);
                    }

                    foreach (var argument in named.TypeArguments)
                    {
                        result = Narrowest(result, EffectiveAccessibility(argument));
                    }

                    return result;
                default:
                    return Accessibility.Public;
            }
        }

        private static Accessibility Narrowest(Accessibility a, Accessibility b)
        {
            if (a == Accessibility.NotApplicable)
            {
                return b;
            }

            if (b == Accessibility.NotApplicable)
            {
                return a;
            }

            // Protected and Internal are not ordered: what both allow is 'private protected'.
            if ((a, b) is (Accessibility.Protected, Accessibility.Internal) or (Accessibility.Internal, Accessibility.Protected))
            {
                return Accessibility.ProtectedAndInternal;
            }

            return a < b ? a : b;
        }

        /// <summary>The keyword for a member of a static class (which cannot be protected) no more visible than <paramref name="accessibility"/>.</summary>
        private static string MethodKeyword(Accessibility accessibility) => accessibility switch
        {
            Accessibility.Public => "public",
            Accessibility.Internal or Accessibility.ProtectedOrInternal => "internal",
            _ => "private",
        };

        /// <summary>
        /// <c>Db</c> → <c>db</c>, <c>PageStore</c> → <c>pageStore</c>, <c>URLMap</c> → <c>urlMap</c>, <c>DB</c> → <c>db</c>:
        /// the leading run of capitals is lowered, except the one that starts the next word.
        /// </summary>
        internal static string CamelCase(string name)
        {
            if (name.Length == 0 || !char.IsUpper(name[0]))
            {
                return name;
            }

            var chars = name.ToCharArray();
            for (int i = 0; i < chars.Length; i++)
            {
                if (i > 0 && i + 1 < chars.Length && !char.IsUpper(chars[i + 1]) && char.IsUpper(chars[i]))
                {
                    if (char.IsLetter(chars[i + 1]))
                    {
                        break;
                    }
                }

                if (!char.IsUpper(chars[i]))
                {
                    break;
                }

                chars[i] = char.ToLowerInvariant(chars[i]);
            }

            return new string(chars);
        }
    }
}
