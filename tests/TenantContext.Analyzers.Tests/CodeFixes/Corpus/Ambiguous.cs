// A file where 'using Tenancy;' would make TenantInfo ambiguous (CS0104): the attribute is written in full instead.
using Other;

namespace Corpus.Ambiguous
{
    public static class Uses
    {
        public static TenantInfo Describe() => new(Tenancy.TenantContext.Current.Slug);
    }
}

namespace Other
{
    public sealed record TenantInfo(string Name);
}
