/**
 * The WSDL of the SOAP billing API (document/literal, SOAP 1.1), namespace urn:tollgate:billing.
 * Written by hand so that it stays stable for the clients generated from it.
 */

export const BILLING_NS = 'urn:tollgate:billing';

const op = (name: string) => `
  <wsdl:message name="${name}Input"><wsdl:part name="parameters" element="tns:${name}"/></wsdl:message>
  <wsdl:message name="${name}Output"><wsdl:part name="parameters" element="tns:${name}Response"/></wsdl:message>`;
const portOp = (name: string) => `
    <wsdl:operation name="${name}"><wsdl:input message="tns:${name}Input"/><wsdl:output message="tns:${name}Output"/></wsdl:operation>`;
const bindOp = (name: string) => `
    <wsdl:operation name="${name}">
      <soap:operation soapAction="${BILLING_NS}#${name}" style="document"/>
      <wsdl:input><soap:body use="literal"/></wsdl:input>
      <wsdl:output><soap:body use="literal"/></wsdl:output>
    </wsdl:operation>`;

export const BILLING_OPERATIONS = ['GetCalls', 'GetCost', 'GetBudgetStatus', 'LockLine', 'UnlockLine'] as const;

/** The WSDL, its service address set to `location`. */
export function billingWsdl(location: string): string {
  const esc = location.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return `<?xml version="1.0" encoding="UTF-8"?>
<wsdl:definitions name="TollgateBilling" targetNamespace="${BILLING_NS}"
  xmlns:tns="${BILLING_NS}" xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"
  xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:xsd="http://www.w3.org/2001/XMLSchema">
  <wsdl:types>
    <xsd:schema targetNamespace="${BILLING_NS}" elementFormDefault="qualified">
      <xsd:element name="GetCalls">
        <xsd:complexType><xsd:sequence>
          <xsd:element name="extension" type="xsd:string" minOccurs="0"/>
          <xsd:element name="username" type="xsd:string" minOccurs="0"/>
          <xsd:element name="from" type="xsd:dateTime"/>
          <xsd:element name="to" type="xsd:dateTime"/>
          <xsd:element name="maxRows" type="xsd:int" minOccurs="0"/>
        </xsd:sequence></xsd:complexType>
      </xsd:element>
      <xsd:complexType name="Call"><xsd:sequence>
        <xsd:element name="start" type="xsd:dateTime"/>
        <xsd:element name="direction" type="xsd:string"/>
        <xsd:element name="answered" type="xsd:boolean"/>
        <xsd:element name="extension" type="xsd:string"/>
        <xsd:element name="username" type="xsd:string"/>
        <xsd:element name="remoteNumber" type="xsd:string"/>
        <xsd:element name="durationSeconds" type="xsd:int"/>
        <xsd:element name="destinationType" type="xsd:string"/>
        <xsd:element name="nation" type="xsd:string"/>
        <xsd:element name="carrier" type="xsd:string"/>
        <xsd:element name="cost" type="xsd:decimal" minOccurs="0"/>
        <xsd:element name="currency" type="xsd:string" minOccurs="0"/>
      </xsd:sequence></xsd:complexType>
      <xsd:element name="GetCallsResponse">
        <xsd:complexType><xsd:sequence>
          <xsd:element name="call" type="tns:Call" minOccurs="0" maxOccurs="unbounded"/>
        </xsd:sequence></xsd:complexType>
      </xsd:element>
      <xsd:element name="GetCost">
        <xsd:complexType><xsd:sequence>
          <xsd:element name="username" type="xsd:string" minOccurs="0"/>
          <xsd:element name="department" type="xsd:string" minOccurs="0"/>
          <xsd:element name="costCenter" type="xsd:string" minOccurs="0"/>
          <xsd:element name="from" type="xsd:dateTime"/>
          <xsd:element name="to" type="xsd:dateTime"/>
        </xsd:sequence></xsd:complexType>
      </xsd:element>
      <xsd:complexType name="Amount"><xsd:sequence>
        <xsd:element name="currency" type="xsd:string"/>
        <xsd:element name="amount" type="xsd:decimal"/>
      </xsd:sequence></xsd:complexType>
      <xsd:element name="GetCostResponse">
        <xsd:complexType><xsd:sequence>
          <xsd:element name="calls" type="xsd:int"/>
          <xsd:element name="durationSeconds" type="xsd:long"/>
          <xsd:element name="total" type="tns:Amount" minOccurs="0" maxOccurs="unbounded"/>
        </xsd:sequence></xsd:complexType>
      </xsd:element>
      <xsd:element name="GetBudgetStatus">
        <xsd:complexType><xsd:sequence><xsd:element name="username" type="xsd:string"/></xsd:sequence></xsd:complexType>
      </xsd:element>
      <xsd:complexType name="Budget"><xsd:sequence>
        <xsd:element name="scope" type="xsd:string"/>
        <xsd:element name="target" type="xsd:string"/>
        <xsd:element name="period" type="xsd:string"/>
        <xsd:element name="currency" type="xsd:string"/>
        <xsd:element name="assigned" type="xsd:decimal"/>
        <xsd:element name="spent" type="xsd:decimal"/>
        <xsd:element name="remaining" type="xsd:decimal"/>
        <xsd:element name="percent" type="xsd:int"/>
        <xsd:element name="periodStart" type="xsd:dateTime"/>
        <xsd:element name="periodEnd" type="xsd:dateTime"/>
        <xsd:element name="locked" type="xsd:boolean"/>
      </xsd:sequence></xsd:complexType>
      <xsd:element name="GetBudgetStatusResponse">
        <xsd:complexType><xsd:sequence>
          <xsd:element name="budget" type="tns:Budget" minOccurs="0" maxOccurs="unbounded"/>
        </xsd:sequence></xsd:complexType>
      </xsd:element>
      <xsd:complexType name="LineRequest"><xsd:sequence>
        <xsd:element name="extension" type="xsd:string"/>
        <xsd:element name="partition" type="xsd:string" minOccurs="0"/>
      </xsd:sequence></xsd:complexType>
      <xsd:complexType name="LineState"><xsd:sequence>
        <xsd:element name="extension" type="xsd:string"/>
        <xsd:element name="partition" type="xsd:string"/>
        <xsd:element name="locked" type="xsd:boolean"/>
        <xsd:element name="reasons" type="xsd:string"/>
      </xsd:sequence></xsd:complexType>
      <xsd:element name="LockLine" type="tns:LineRequest"/>
      <xsd:element name="LockLineResponse" type="tns:LineState"/>
      <xsd:element name="UnlockLine" type="tns:LineRequest"/>
      <xsd:element name="UnlockLineResponse" type="tns:LineState"/>
    </xsd:schema>
  </wsdl:types>${BILLING_OPERATIONS.map(op).join('')}
  <wsdl:portType name="BillingPortType">${BILLING_OPERATIONS.map(portOp).join('')}
  </wsdl:portType>
  <wsdl:binding name="BillingBinding" type="tns:BillingPortType">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>${BILLING_OPERATIONS.map(bindOp).join('')}
  </wsdl:binding>
  <wsdl:service name="BillingService">
    <wsdl:port name="BillingPort" binding="tns:BillingBinding"><soap:address location="${esc}"/></wsdl:port>
  </wsdl:service>
</wsdl:definitions>
`;
}
