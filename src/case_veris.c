/*
 * case_veris.c: the embedded VERIS enumerations (case_veris.h). A reasonable subset of
 * the VERIS 1.3 schema (github.com/vz-risk/veris): actor varieties and motives, action
 * varieties and vectors, asset varieties by kind, attribute varieties. Tables only: the
 * taxonomy is data, validation walks it.
 */
#include "case_veris.h"

#include <string.h>

#include "jv.h"
#include "mem.h"
#include "ward.h"

struct veris_enum {
    int top;         /* index into wd_veris_tops */
    const char *cat; /* external, hacking, server, confidentiality ... */
    const char *key; /* variety, motive, vector, data_variety ... */
    const char *const *values;
};

const char *const wd_veris_tops[WD_VERIS_TOPS] = {"actor", "action", "asset", "attribute"};

#define V(...) ((const char *const[]){__VA_ARGS__, NULL})

static const char *const motives[] = {"Convenience", "Espionage", "Fear",     "Financial",
                                      "Fun",         "Grudge",    "Ideology", "Secondary",
                                      "Other",       "Unknown",   NULL};

static const struct veris_enum enums[] = {
    {0, "external", "variety",
     V("Activist", "Auditor", "Competitor", "Customer", "Force majeure", "Former employee",
       "Nation-state", "Organized crime", "Acquaintance", "State-affiliated", "Terrorist",
       "Unaffiliated", "Other", "Unknown")},
    {0, "external", "motive", motives},
    {0, "internal", "variety",
     V("Auditor", "Call center", "Cashier", "End-user", "Executive", "Finance", "Helpdesk",
       "Human resources", "Maintenance", "Manager", "Guard", "Developer", "System admin", "Other",
       "Unknown")},
    {0, "internal", "motive", motives},
    {0, "partner", "motive", motives},
    {1, "malware", "variety",
     V("Adware", "Backdoor", "Brute force", "Capture app data", "Capture stored data",
       "Click fraud", "C2", "Destroy data", "Disable controls", "DoS", "Downloader", "Exploit vuln",
       "Export data", "Packet sniffer", "Password dumper", "Ram scraper", "Ransomware", "Rootkit",
       "Scan network", "Spam", "Spyware/Keylogger", "SQL injection", "Adminware", "Worm", "Other",
       "Unknown")},
    {1, "malware", "vector",
     V("Direct install", "Download by malware", "Email attachment", "Email link",
       "Network propagation", "Remote injection", "Removable media", "Web drive-by", "Web download",
       "Other", "Unknown")},
    {1, "hacking", "variety",
     V("Abuse of functionality", "Brute force", "Buffer overflow", "Cache poisoning",
       "Session prediction", "CSRF", "XSS", "Cryptanalysis", "DoS", "Footprinting",
       "Forced browsing", "Format string attack", "Fuzz testing", "HTTP request smuggling",
       "HTTP request splitting", "Integer overflows", "LDAP injection", "Mail command injection",
       "MitM", "Null byte injection", "Offline cracking", "OS commanding", "Path traversal", "RFI",
       "Reverse engineering", "Routing detour", "Session fixation", "Session replay",
       "Special element injection", "SQLi", "SSI injection", "URL redirector abuse",
       "Use of backdoor or C2", "Use of stolen creds", "XML attribute blowup",
       "XML entity expansion", "XML external entities", "XML injection", "XPath injection",
       "Virtual machine escape", "Other", "Unknown")},
    {1, "hacking", "vector",
     V("3rd party desktop", "Backdoor or C2", "Desktop sharing", "Physical access", "Command shell",
       "Partner", "VPN", "Web application", "Other", "Unknown")},
    {1, "social", "variety",
     V("Baiting", "Bribery", "Elicitation", "Extortion", "Forgery", "Influence", "Scam", "Phishing",
       "Pretexting", "Propaganda", "Spam", "Other", "Unknown")},
    {1, "social", "vector",
     V("Documents", "Email", "In-person", "IM", "Phone", "Removable media", "SMS", "Social media",
       "Software", "Website", "Other", "Unknown")},
    {1, "misuse", "variety",
     V("Knowledge abuse", "Privilege abuse", "Embezzlement", "Data mishandling", "Email misuse",
       "Net misuse", "Illicit content", "Unapproved workaround", "Unapproved hardware",
       "Unapproved software", "Other", "Unknown")},
    {1, "misuse", "vector",
     V("Physical access", "LAN access", "Remote access", "Non-corporate", "Other", "Unknown")},
    {1, "physical", "variety",
     V("Assault", "Sabotage", "Snooping", "Surveillance", "Tampering", "Theft", "Wiretapping",
       "Other", "Unknown")},
    {1, "physical", "vector",
     V("Privileged access", "Visitor privileges", "Bypassed controls", "Disabled controls",
       "Uncontrolled location", "Other", "Unknown")},
    {1, "error", "variety",
     V("Classification error", "Data entry error", "Disposal error", "Gaffe", "Loss",
       "Maintenance error", "Misconfiguration", "Misdelivery", "Misinformation", "Omission",
       "Physical accidents", "Capacity shortage", "Programming error", "Publishing error",
       "Malfunction", "Other", "Unknown")},
    {1, "error", "vector",
     V("Carelessness", "Inadequate personnel", "Inadequate processes", "Inadequate technology",
       "Other", "Unknown")},
    {1, "environmental", "variety",
     V("Deterioration", "Earthquake", "EMI", "ESD", "Temperature", "Fire", "Flood", "Hazmat",
       "Humidity", "Hurricane", "Ice", "Landslide", "Lightning", "Meteorite", "Particulates",
       "Pathogen", "Power failure", "Tornado", "Tsunami", "Vermin", "Volcano", "Leak", "Wind",
       "Other", "Unknown")},
    {2, "server", "variety",
     V("Authentication", "Backup", "Database", "DHCP", "Directory", "DNS", "File", "Log", "Mail",
       "Mainframe", "Payment switch", "POS controller", "Print", "Proxy", "Remote access", "SCADA",
       "Web application", "Code repository", "VM host", "Other", "Unknown")},
    {2, "network", "variety",
     V("Access reader", "Camera", "Firewall", "HSM", "IDS", "Broadband", "PBX", "Private WAN",
       "PLC", "Public WAN", "RTU", "Router or switch", "SAN", "Telephone", "VoIP adapter", "LAN",
       "WLAN", "Other", "Unknown")},
    {2, "user_device", "variety",
     V("Auth token", "Desktop", "Laptop", "Media", "Mobile phone", "Peripheral", "POS terminal",
       "Tablet", "Telephone", "VoIP phone", "Other", "Unknown")},
    {2, "media", "variety",
     V("Disk media", "Documents", "Flash drive", "Disk drive", "Smart card", "Tapes",
       "Payment card", "Other", "Unknown")},
    {2, "person", "variety",
     V("Auditor", "Call center", "Cashier", "Customer", "End-user", "Executive", "Finance",
       "Former employee", "Guard", "Helpdesk", "Human resources", "Maintenance", "Manager",
       "Partner", "System admin", "Developer", "Other", "Unknown")},
    {2, "terminal", "variety", V("ATM", "PED pad", "Gas terminal", "Kiosk", "Other", "Unknown")},
    {3, "confidentiality", "data_variety",
     V("Credentials", "Bank", "Classified", "Copyrighted", "Digital certificate", "Medical",
       "Payment", "Personal", "Internal", "System", "Secrets", "Virtual currency", "Other",
       "Unknown")},
    {3, "confidentiality", "data_disclosure", V("Yes", "Potentially", "No", "Unknown")},
    {3, "integrity", "variety",
     V("Created account", "Defacement", "Hardware tampering", "Alter behavior",
       "Fraudulent transaction", "Log tampering", "Misappropriation", "Misrepresentation",
       "Modify configuration", "Modify privileges", "Modify data", "Software installation", "Other",
       "Unknown")},
    {3, "availability", "variety",
     V("Destruction", "Loss", "Interruption", "Degradation", "Acceleration", "Obscuration", "Other",
       "Unknown")},
};

int wd_veris_top(const char *top)
{
    for (int i = 0; i < WD_VERIS_TOPS; i++)
        if (strcmp(top, wd_veris_tops[i]) == 0)
            return i;
    return -1;
}

static bool eqn(const char *lit, const char *p, size_t n)
{
    return strlen(lit) == n && memcmp(lit, p, n) == 0;
}

bool wd_veris_path_valid(int top, const char *p, size_t len)
{
    const char *d1 = memchr(p, '.', len);
    size_t cl = d1 ? (size_t)(d1 - p) : len;
    for (size_t i = 0; i < WD_ARRAY_LEN(enums); i++) {
        const struct veris_enum *e = &enums[i];
        if (e->top != top || !eqn(e->cat, p, cl))
            continue;
        if (!d1)
            return true; /* the category alone */
        const char *k = d1 + 1;
        size_t rest = len - cl - 1;
        const char *d2 = memchr(k, '.', rest);
        if (!d2 || !eqn(e->key, k, (size_t)(d2 - k)))
            continue;
        const char *v = d2 + 1;
        size_t vl = rest - (size_t)(d2 - k) - 1;
        for (const char *const *x = e->values; *x; x++)
            if (eqn(*x, v, vl))
                return true;
    }
    return false;
}

void wd_veris_json(struct wd_buf *out)
{
    wd_buf_putc(out, '{');
    for (int t = 0; t < WD_VERIS_TOPS; t++) {
        wd_buf_printf(out, "%s\"%s\":{", t ? "," : "", wd_veris_tops[t]);
        const char *cat = NULL;
        for (size_t i = 0; i < WD_ARRAY_LEN(enums); i++) {
            const struct veris_enum *e = &enums[i];
            if (e->top != t)
                continue;
            if (!cat || strcmp(cat, e->cat) != 0) {
                wd_buf_printf(out, "%s\"%s\":{", cat ? "}," : "", e->cat);
                cat = e->cat;
            } else {
                wd_buf_putc(out, ',');
            }
            wd_buf_printf(out, "\"%s\":[", e->key);
            for (const char *const *x = e->values; *x; x++) {
                if (x != e->values)
                    wd_buf_putc(out, ',');
                wd_jv_write_str(*x, strlen(*x), out);
            }
            wd_buf_putc(out, ']');
        }
        wd_buf_printf(out, "%s}", cat ? "}" : "");
    }
    wd_buf_putc(out, '}');
}
