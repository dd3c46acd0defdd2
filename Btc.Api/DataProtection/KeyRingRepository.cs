using System.Xml.Linq;
using Btc.Data.DataProtection;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Btc.Api.DataProtection;

/// <summary>ASP.NET Core's key ring kept in PostgreSQL (<see cref="KeyRingStore"/>), shared by every replica.</summary>
public sealed class KeyRingRepository(KeyRingStore store) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements() => store.All().Select(XElement.Parse).ToArray();

    public void StoreElement(XElement element, string friendlyName) =>
        store.Store(friendlyName, element.ToString(SaveOptions.DisableFormatting));
}
